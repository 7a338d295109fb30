// The one way commands read their arguments: a parse error or a missing required value prints the problem and the
// usage and exits 2; --help prints the usage and exits 0. A command gets its values, or the exit code to return.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; args: string[] }>>['values'];

export function parseCommandArgs<O extends Options>(args: string[], options: O, usage: string): Values<O> | number {
  let values: Values<O>;
  try {
    values = parseArgs({ args, options }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    return 0;
  }
  return values;
}

/** Prints why the arguments are wrong, with the usage, and gives the exit code for it. */
export function usageError(message: string, usage: string): number {
  console.error(`${message}\n${usage}`);
  return 2;
}

export const isPortalId = (value: string | undefined): value is string => value !== undefined && /^\d{1,18}$/.test(value);
