// Canonical JSON and SHA-256: the same value gives the same bytes and the same hash on every machine,
// so traces can be replayed and compared byte for byte.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Bumped whenever a change to the core may change an output for the same input. */
export const ENGINE_VERSION = 'approval-router-core/1.0.0';

/**
 * JSON with object keys sorted by code unit, numbers in ECMAScript's shortest round-trip form
 * (so 1.0 and 1 agree, -0 becomes 0), and undefined object members dropped.
 * Anything that is not plain JSON (NaN, Infinity, bigint, Map, Set, functions) is refused,
 * because it would otherwise hash differently from what a trace row stores.
 */
export function canonicalJson(value: unknown): string {
  return write(value, []);
}

export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** sha256Hex(canonicalJson(value)): the hash of a JSON value, independent of key order. */
export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

// The path to the value being written is kept as a stack and only joined into text when a value is refused:
// building it for every member made the path, not the JSON, most of the work on large documents.
type PathStack = (string | number)[];

const describePath = (path: PathStack): string => `$${path.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('')}`;

function write(value: unknown, path: PathStack): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${describePath(path)} is not a finite number`);
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? writeArray(value as unknown[], path) : writeObject(value, path);
    default:
      throw new TypeError(`canonicalJson: ${describePath(path)} is a ${typeof value}, not JSON`);
  }
}

function writeArray(value: unknown[], path: PathStack): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out += ',';
    const item = value[i];
    // As JSON.stringify does: a hole or undefined in an array is null, keeping positions.
    if (item === undefined) {
      out += 'null';
    } else {
      path.push(i);
      out += write(item, path);
      path.pop();
    }
  }
  return `${out}]`;
}

function writeObject(value: object, path: PathStack): string {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`canonicalJson: ${describePath(path)} is not a plain object`);
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    path.push(key);
    out += `${JSON.stringify(key)}:${write(member, path)}`;
    path.pop();
  }
  return `${out}}`;
}
