// Why a file named on the command line cannot be read, in words a person can act on.

/** "cannot read PATH: ENOENT", or for a folder given where a file belongs, that it is a folder and what to give. */
export function cannotRead(path: string, error: unknown, expected = 'a file'): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return `cannot read ${path}: it is a folder; give ${expected}`;
  return `cannot read ${path}: ${code ?? (error as Error).message}`;
}
