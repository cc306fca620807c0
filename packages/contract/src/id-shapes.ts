import { ddsBackupSpec } from './generated/specs.js';

/** The shape of a Huawei id: so many lowercase hex characters, then a fixed suffix (`in02`). */
export interface IdShape {
  hexLength: number;
  suffix: string;
}

const components = ddsBackupSpec.components as {
  parameters: Record<string, { schema: Record<string, unknown> }>;
  schemas: Record<string, { properties: Record<string, { examples?: string[] }> }>;
};

/** Reads `^[0-9a-f]{32}in02$` (an `x-observed-pattern`). */
function fromPattern(pattern: unknown, where: string): IdShape {
  const m = typeof pattern === 'string' ? /^\^\[0-9a-f\]\{(\d+)\}([A-Za-z0-9]*)\$$/.exec(pattern) : null;
  if (!m) throw new Error(`${where}: no x-observed-pattern of the form ^[0-9a-f]{N}suffix$`);
  return { hexLength: Number(m[1]), suffix: m[2]! };
}

/** Reads `4b6f…3f40gr02` (the first example of an id property that has no pattern). */
function fromExample(example: string | undefined, where: string): IdShape {
  const m = example ? /^([0-9a-f]+?)([a-z]{2}[0-9]{2})$/.exec(example) : null;
  if (!m) throw new Error(`${where}: no example of the form <hex><2 letters><2 digits>`);
  return { hexLength: m[1]!.length, suffix: m[2]! };
}

/**
 * The shapes of Huawei's ids, from the DDS spec: instance and backup ids from the
 * `x-observed-pattern` of their parameters, group and node ids from the examples of their
 * schemas (no pattern is documented for them). Generators (the mock's dataset) build ids with
 * these so a mock id looks like a real one.
 */
export const ID_SHAPES = {
  instance: fromPattern(components.parameters.InstanceId!.schema['x-observed-pattern'], 'InstanceId'),
  backup: fromPattern(components.parameters.BackupId!.schema['x-observed-pattern'], 'BackupId'),
  group: fromExample(components.schemas.InstanceGroup!.properties.id!.examples?.[0], 'InstanceGroup.id'),
  node: fromExample(components.schemas.InstanceNode!.properties.id!.examples?.[0], 'InstanceNode.id'),
} as const satisfies Record<string, IdShape>;

export type IdKind = keyof typeof ID_SHAPES;
