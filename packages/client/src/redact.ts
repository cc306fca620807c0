import { createRedactor } from '@dds-backup/contract';

// Every string that leaves this package through an error message, toJSON or a log line goes
// through redact(). The rules are the contract's (createRedactor, beside the secret lists):
// secrets are caught by shape (header and query names that always carry one) and by value (every
// token, SK, security token and proxy password a credentials provider or the proxy settings hold
// is registered here, so it is masked wherever it turns up, even inside an upstream message).
// The registry is this package's own; the mask is `***`.

const redactor = createRedactor({ mask: '***' });

/**
 * Registers a secret value so redact() masks it anywhere; a value under 6 characters (a short
 * test token, a server echoing one back) wherever it stands as a whole word.
 */
export const registerSecret: (value: string | undefined) => void = redactor.registerSecret;

/** Masks secrets in any text: header values, link signatures and registered secret values. */
export const redact = (text: string): string => redactor.redact(text);

/** A URL safe to print: the query parameters that authorize a download are masked. */
export const redactUrl: (url: string | URL) => string = redactor.redactUrl;

/** A copy of headers safe to log. */
export const redactHeaders: (headers: Headers | Record<string, string>) => Record<string, string> =
  redactor.redactHeaders;
