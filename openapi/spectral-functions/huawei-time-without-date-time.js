// A Huawei time (`2018-08-16T10:15:14+0000`) has a colon-less offset, so `format: date-time`
// would reject every real value. Such a property must be a string with a pattern (or a $ref to
// one, e.g. #/components/schemas/HuaweiTime) and must not claim `format: date-time`.
export default function huaweiTimeWithoutDateTime(target) {
  if (target === null || typeof target !== 'object') return [];
  if (typeof target.$ref === 'string') return [];
  const problems = [];
  if (target.format === 'date-time') {
    problems.push({
      message:
        'Huawei time strings are not RFC 3339: drop `format: date-time` and use `$ref: "#/components/schemas/HuaweiTime"` (a string with a pattern).',
    });
  }
  if (typeof target.pattern !== 'string') {
    problems.push({
      message:
        'Huawei time strings need a pattern: use `$ref: "#/components/schemas/HuaweiTime"` or `pattern: ^[0-9]{4}-...[+-][0-9]{4}$`.',
    });
  }
  return problems;
}
