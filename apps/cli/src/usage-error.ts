/** Bad command-line input: exit code 2, message says what to type instead. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The key of its exit code in EXIT_CODE_BY_KIND (exit-codes.ts). */
  readonly kind = 'USAGE';
}
