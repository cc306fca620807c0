// An operation's `x-error-codes` entry must be a code the document's `x-huawei-error-codes`
// table describes (status, retryability, messages): the generated `ErrorCode` union and the
// per-operation lists come from both, and a code missing from the table would have no status.
export default function errorCodeInTable(target, _options, context) {
  if (typeof target !== 'string') return [{ message: 'An `x-error-codes` entry must be a string like `DBS.200001`.' }];
  const table = context.document?.data?.['x-huawei-error-codes'];
  if (table && typeof table === 'object' && Object.hasOwn(table, target)) return [];
  return [
    {
      message: `\`${target}\` is not in \`x-huawei-error-codes\`: add it there (\`${target}: { status: 400, retryable: false, en-us: "...", zh-cn: "..." }\`) or drop it here.`,
    },
  ];
}
