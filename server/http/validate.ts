// One validation step for every endpoint: parse params, query and body with the contract's zod schemas,
// answer 400 with every failing field path, and hand the handler typed values.
import type { Request } from 'express';
import type { z } from 'zod';
import { AppError, type FieldProblem } from '../errors.js';

export function problemsOf(error: z.ZodError, prefix: string): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))].join('.').replace(/\.\[/g, '['),
    message: issue.message,
  }));
}

export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'params'): z.infer<T> {
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  throw new AppError('bad_request', `invalid ${where}`, { details: problemsOf(result.error, where) });
}

export const parseBody = <T extends z.ZodType>(schema: T, req: Request) => parseInput(schema, req.body, 'body');
export const parseParams = <T extends z.ZodType>(schema: T, req: Request) => parseInput(schema, req.params, 'params');
