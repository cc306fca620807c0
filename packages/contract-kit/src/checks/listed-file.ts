/** A file of the positive answer, as listed: the raw entry and a label for messages. */
export interface ListedFile {
  index: number;
  /** `files[0] (name.tar.gz)`: names, never links, appear in messages. */
  label: string;
  raw: Record<string, unknown>;
}

/** The file entries of an answer body, or undefined when it has no `files` array. */
export function listFiles(body: unknown): ListedFile[] | undefined {
  const files = (body as { files?: unknown } | undefined)?.files;
  if (!Array.isArray(files)) return undefined;
  return files.map((raw, index) => {
    const entry = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    const name = typeof entry.name === 'string' ? ` (${entry.name})` : '';
    return { index, label: `files[${index}]${name}`, raw: entry };
  });
}
