/**
 * @dds-backup/signer: Huawei API Gateway AK/SK signing (`SDK-HMAC-SHA256`), both sides: the
 * client signs, the mock server verifies, with one canonicalization so they cannot drift apart.
 * Hand-written on node:crypto; the algorithm's constants come from the spec via the contract.
 */
export { canonicalHeaders, canonicalQuery, canonicalRequest, canonicalUri, uriEncode } from './canonical.js';
export {
  type AkSkCredentials,
  computeSignature,
  formatSdkDate,
  type ParsedAuthorization,
  parseAuthorization,
  parseSdkDate,
  type Signature,
  type SignOptions,
  sha256Hex,
  signRequest,
  UNSIGNED_PAYLOAD,
  type VerifyFailure,
  type VerifyResult,
  verifyRequest,
} from './sign.js';
