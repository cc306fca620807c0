import { HEADER_LC } from '@dds-backup/contract';
import { parseRetryAfter } from '../retry.js';
import { ObjectStorageError } from './errors.js';
import type { ObjectResponse } from './object-transport.js';

/** Error bodies are small; never read more than this from one. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Turns an OBS error answer into ObjectStorageError, reading the `<Code>`, `<Message>` and
 * `<RequestId>` of its XML body (S3 shape): `AccessDenied` (an expired link) is what triggers a
 * link refresh; `SignatureDoesNotMatch` and `NoSuchKey` are errors of their own.
 */
export async function toObjectStorageError(file: string, response: ObjectResponse): Promise<ObjectStorageError> {
  const xml = await readSmall(response).catch(() => '');
  const tag = (name: string) => {
    const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
    return m ? decodeXml(m[1]!.trim()) : undefined;
  };
  const retryAfter = parseRetryAfter(response.header(HEADER_LC.RetryAfter));
  return new ObjectStorageError({
    file,
    status: response.status,
    errorCode: tag('Code'),
    errorMessage: tag('Message'),
    requestId: tag('RequestId') ?? response.header(HEADER_LC.XObsRequestId) ?? response.header(HEADER_LC.XRequestId),
    retryAfterSeconds: retryAfter === undefined ? undefined : retryAfter / 1000,
  });
}

async function readSmall(response: ObjectResponse): Promise<string> {
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of response.body) {
    chunks.push(chunk);
    n += chunk.byteLength;
    if (n >= MAX_ERROR_BODY) {
      response.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(n, MAX_ERROR_BODY));
}

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
