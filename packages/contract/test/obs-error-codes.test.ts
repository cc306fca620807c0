import {
  isObsErrorCode,
  OBS_ERROR_CODES,
  OBS_LINK_EXPIRED_CODE,
  obsCodeForStatus,
  obsSpec,
  TOKEN_LIFETIME_SECONDS,
} from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';

describe('OBS error codes (obs.openapi.yaml)', () => {
  it('lists every code of x-obs-error-codes with its status and message', () => {
    const table = obsSpec['x-obs-error-codes'] as Record<string, { status: number; message: string }>;
    expect(Object.keys(OBS_ERROR_CODES)).toEqual(Object.keys(table));
    for (const [code, e] of Object.entries(table)) {
      expect(OBS_ERROR_CODES[code as keyof typeof OBS_ERROR_CODES]).toEqual({ status: e.status, message: e.message });
    }
  });

  it('names AccessDenied (403) as the code of an expired link, what link refresh turns on', () => {
    expect(OBS_LINK_EXPIRED_CODE).toBe('AccessDenied');
    expect(OBS_ERROR_CODES[OBS_LINK_EXPIRED_CODE].status).toBe(403);
  });

  it('isObsErrorCode narrows only listed codes (not inherited names)', () => {
    expect(isObsErrorCode('NoSuchKey')).toBe(true);
    expect(isObsErrorCode('SlowDownPlease')).toBe(false);
    expect(isObsErrorCode('toString')).toBe(false);
  });

  it('obsCodeForStatus follows x-obs-code-for-status, InternalError otherwise', () => {
    expect(obsCodeForStatus(403)).toBe('AccessDenied');
    expect(obsCodeForStatus(404)).toBe('NoSuchKey');
    expect(obsCodeForStatus(429)).toBe('ServiceUnavailable');
    expect(obsCodeForStatus(502)).toBe('InternalError');
  });
});

describe('TOKEN_LIFETIME_SECONDS', () => {
  it("is the IAM spec's x-token-lifetime-seconds: 24 hours", () => {
    expect(TOKEN_LIFETIME_SECONDS).toBe(24 * 3600);
  });
});
