import { basename } from 'node:path';
import { UnsafeFileNameError } from './errors.js';

/** Suffix of a file being downloaded; renamed away once complete and verified. */
export const PART_SUFFIX = '.part';
/** Files of ours in the target directory; a server file may not take these names. */
export const RESERVED_PREFIX = '.dds-backup-';
/**
 * The manifest's file name inside the target directory. Here, not in manifest.ts, so the
 * engine's entry point exports it without loading the manifest code (see download-backup.ts).
 */
export const MANIFEST_NAME = `${RESERVED_PREFIX}manifest.json`;

/** Longest file name most file systems accept, in UTF-8 bytes (leaves room for `.part`). */
const MAX_NAME_BYTES = 255 - PART_SUFFIX.length;

/**
 * Characters that do not show as themselves: C1 controls, format characters (bidi overrides and
 * isolates such as U+202E, zero-width spaces and joiners, the BOM), line and paragraph
 * separators, and unassigned or private-use code points. A name with one could print as another
 * name (`evil\u202Egz.rat` shows as `eviltar.gz`).
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}]/gu;

/**
 * A name as it may be printed: every character of HIDDEN (and control characters) escaped as
 * `\u{...}`, in double quotes when anything was escaped, so a terminal never renders a name as
 * something else.
 */
export function printableName(name: string): string {
  let escaped = false;
  const out = name.replace(HIDDEN, (c) => {
    escaped = true;
    return `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`;
  });
  return escaped ? `"${out}"` : out;
}

/**
 * Returns why `name` is not safe to create inside the target directory, or undefined when it is
 * a plain file name. Decision: unsafe names are REFUSED, not rewritten. A rewritten name could
 * collide with another file of the backup and would no longer match what the API lists, which
 * matters when restoring; a refusal names the file and writes nothing.
 */
export function unsafeNameReason(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'the name is empty';
  if (name === '.' || name === '..') return 'it names a directory';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for.
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a NUL or control character';
  const hidden = HIDDEN.exec(name);
  HIDDEN.lastIndex = 0;
  if (hidden)
    return `it contains an invisible or text-direction character (U+${hidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}), so it would not show as what it is`;
  if (name.includes('/') || name.includes('\\'))
    return 'it contains a path separator (/ or \\), so it would leave the directory';
  if (/^[a-zA-Z]:/.test(name)) return 'it starts with a drive letter';
  if (basename(name) !== name) return 'it is not a plain file name';
  if (name.startsWith(RESERVED_PREFIX))
    return `names starting with ${RESERVED_PREFIX} are reserved for the download manifest`;
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `it is longer than ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/**
 * Checks every name of a backup before anything is written: each must be a plain name, and no
 * two may collide (equal, or one being another's `.part`). Throws UnsafeFileNameError naming the
 * first bad file.
 */
export function assertSafeNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    const reason = unsafeNameReason(name);
    if (reason) throw new UnsafeFileNameError(name, reason);
    if (seen.has(name)) throw new UnsafeFileNameError(name, 'the backup lists it twice');
    seen.add(name);
  }
  for (const name of names) {
    if (seen.has(name + PART_SUFFIX)) {
      throw new UnsafeFileNameError(
        name + PART_SUFFIX,
        `it collides with the temporary file of ${JSON.stringify(name)}`,
      );
    }
  }
}
