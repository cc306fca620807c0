import type { FetchLike } from '@dds-backup/client';
import { HEADER_LC } from '@dds-backup/contract';
import { type CheckResult, describeError, fail, pass, since } from './check.js';
import type { ListedFile } from './listed-file.js';

export const LINK_HEAD = 'positive.link-head';
export const LINK_RANGE = 'positive.link-range';
export const SIZE = 'positive.size';

/** The first bytes asked for with `Range`: enough to prove ranges work, small enough for any link. */
export const RANGE_BYTES = 1024;

/** What one link answered to HEAD and to a `Range: bytes=0-1023` GET. */
interface LinkProbe {
  file: ListedFile;
  /** Set when the link is not a URL: nothing was sent. */
  invalid?: string;
  head?: { status: number; contentLength: string | null; obsCode: string | null; ms: number } | { error: string };
  range?:
    | {
        status: number;
        contentRange: string | null;
        contentLength: string | null;
        /** Bytes read (reading stops past what was asked for). */
        bytes: number;
        ms: number;
      }
    | { error: string };
}

const hasError = (v: object | undefined): v is { error: string } => v !== undefined && 'error' in v;

/** Reads a body up to `cap` bytes and cancels the rest (a link that ignores Range may be GBs). */
async function readUpTo(response: Response, cap: number): Promise<number> {
  if (!response.body) return 0;
  const reader = response.body.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
    if (bytes > cap) {
      await reader.cancel();
      return bytes;
    }
  }
}

async function probe(file: ListedFile, fetch: FetchLike, timeoutMs: number): Promise<LinkProbe> {
  const link = file.raw.download_link;
  if (typeof link !== 'string' || !URL.canParse(link)) {
    return { file, invalid: `${file.label}: download_link is not a URL` };
  }
  const result: LinkProbe = { file };
  // Links carry their own signature: no credentials are sent to them.
  let start = performance.now();
  try {
    const res = await fetch(new Request(link, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) }));
    await res.body?.cancel();
    result.head = {
      status: res.status,
      contentLength: res.headers.get('content-length'),
      obsCode: res.headers.get(HEADER_LC.XObsErrorCode),
      ms: since(start),
    };
  } catch (error) {
    result.head = { error: describeError(error) };
  }
  start = performance.now();
  try {
    const res = await fetch(
      new Request(link, {
        headers: { [HEADER_LC.Range]: `bytes=0-${RANGE_BYTES - 1}` },
        signal: AbortSignal.timeout(timeoutMs),
      }),
    );
    let bytes = 0;
    if (res.status === 206) bytes = await readUpTo(res, RANGE_BYTES);
    else await res.body?.cancel();
    result.range = {
      status: res.status,
      contentRange: res.headers.get(HEADER_LC.ContentRange),
      contentLength: res.headers.get('content-length'),
      bytes,
      ms: since(start),
    };
  } catch (error) {
    result.range = { error: describeError(error) };
  }
  return result;
}

const INTEGER = /^[0-9]+$/;

/** The object's byte length: HEAD's Content-Length, else the total of the 206's Content-Range. */
function objectLength(p: LinkProbe): number | undefined {
  if (p.head && !hasError(p.head) && p.head.status === 200 && INTEGER.test(p.head.contentLength ?? '')) {
    return Number(p.head.contentLength);
  }
  if (p.range && !hasError(p.range) && p.range.status === 206) {
    const total = /\/([0-9]+)\s*$/.exec(p.range.contentRange ?? '')?.[1];
    if (total !== undefined) return Number(total);
  }
  return undefined;
}

function headProblem(p: LinkProbe): string | undefined {
  if (p.invalid) return p.invalid;
  const h = p.head;
  if (!h) return `${p.file.label}: HEAD was not sent`;
  if (hasError(h)) return `${p.file.label}: HEAD failed: ${h.error}`;
  if (h.status !== 200) {
    return `${p.file.label}: HEAD answered ${h.status}${h.obsCode ? ` ${h.obsCode}` : ''}; expected 200`;
  }
  if (!INTEGER.test(h.contentLength ?? '')) {
    return `${p.file.label}: HEAD answered 200 without a Content-Length (got ${JSON.stringify(h.contentLength)})`;
  }
  return undefined;
}

function rangeProblem(p: LinkProbe): string | undefined {
  if (p.invalid) return p.invalid;
  const r = p.range;
  const ask = `\`Range: bytes=0-${RANGE_BYTES - 1}\``;
  if (!r) return `${p.file.label}: the range GET was not sent`;
  if (hasError(r)) return `${p.file.label}: GET with ${ask} failed: ${r.error}`;
  const length = objectLength(p);
  if (length === 0) {
    return r.status === 416
      ? undefined
      : `${p.file.label}: ${ask} on an empty object answered ${r.status}; expected 416`;
  }
  if (r.status !== 206) {
    return `${p.file.label}: GET with ${ask} answered ${r.status}; expected 206 Partial Content${r.status === 200 ? ' (the link ignores Range)' : ''}`;
  }
  const total = length ?? Number(/\/([0-9]+)\s*$/.exec(r.contentRange ?? '')?.[1] ?? Number.NaN);
  const want = Number.isNaN(total) ? RANGE_BYTES : Math.min(RANGE_BYTES, total);
  const problems: string[] = [];
  const contentRange = `bytes 0-${want - 1}/${Number.isNaN(total) ? '<object length>' : total}`;
  if (r.contentRange?.trim() !== contentRange) {
    problems.push(`Content-Range is ${JSON.stringify(r.contentRange)}; expected "${contentRange}"`);
  }
  if (r.contentLength !== null && r.contentLength !== String(want)) {
    problems.push(`Content-Length is ${r.contentLength}; expected ${want}`);
  }
  if (r.bytes !== want) {
    problems.push(`the body has ${r.bytes > want ? `more than ${want}` : r.bytes} bytes; expected ${want}`);
  }
  return problems.length ? `${p.file.label}: 206 to ${ask}, but ${problems.join('; ')}` : undefined;
}

function sizeProblem(p: LinkProbe): string | undefined {
  const size = p.file.raw.size;
  if (typeof size !== 'number' || !Number.isInteger(size)) {
    return `${p.file.label}: size is ${JSON.stringify(size)}, not an integer number of KB`;
  }
  if (p.invalid) return p.invalid;
  const length = objectLength(p);
  if (length === undefined) {
    return `${p.file.label}: the object's length is unknown (neither HEAD's Content-Length nor a 206 Content-Range gave it)`;
  }
  const kb = length / 1024;
  if (Math.abs(size - kb) > 1) {
    return `${p.file.label}: size is ${size} KB but the object has ${length} bytes = ${kb.toFixed(1)} KB; expected within 1 KB`;
  }
  return undefined;
}

/**
 * Probes every link (HEAD, then `Range: bytes=0-1023`) and derives three independent checks:
 * the HEAD answer, the range answer, and `size` against the object's length.
 */
export async function checkDownloadLinks(
  files: readonly ListedFile[],
  fetch: FetchLike,
  timeoutMs: number,
): Promise<CheckResult[]> {
  const probes: LinkProbe[] = [];
  for (const f of files) probes.push(await probe(f, fetch, timeoutMs));
  const ms = (pick: (p: LinkProbe) => LinkProbe['head'] | LinkProbe['range']) =>
    Math.round(
      probes.reduce((sum, p) => {
        const v = pick(p);
        return sum + (v && !hasError(v) ? v.ms : 0);
      }, 0) * 10,
    ) / 10;
  const verdict = (
    name: string,
    problem: (p: LinkProbe) => string | undefined,
    okReason: string,
    durationMs: number,
  ) => {
    const problems = probes.map(problem).filter((x): x is string => x !== undefined);
    return problems.length ? fail(name, problems.join('\n'), durationMs) : pass(name, okReason, durationMs);
  };
  const lengths = probes.map((p) => `${p.file.label} ${p.file.raw.size} KB = ${objectLength(p)} bytes`);
  return [
    verdict(
      LINK_HEAD,
      headProblem,
      `${files.length} link(s) answer HEAD with 200 and a Content-Length`,
      ms((p) => p.head),
    ),
    verdict(
      LINK_RANGE,
      rangeProblem,
      `${files.length} link(s) answer \`Range: bytes=0-${RANGE_BYTES - 1}\` with 206, the right Content-Range and length`,
      ms((p) => p.range),
    ),
    verdict(SIZE, sizeProblem, `size agrees with the object's length within 1 KB: ${lengths.join(', ')}`, 0),
  ];
}
