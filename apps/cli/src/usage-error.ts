/** Bad command-line input: exit code 2, message says what to type instead. */
export class UsageError extends Error {
  override name = 'UsageError';
}
