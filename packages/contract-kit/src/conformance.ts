import { type CredentialsProvider, createClient, credentialsFromEnvironment, type FetchLike } from '@dds-backup/client';
import { getOperation, LINK_TTL_SECONDS, type operations } from '@dds-backup/contract';
import type { CheckResult } from './checks/check.js';
import type { SuiteContext } from './checks/context.js';
import { RANGE_BYTES } from './checks/download-links.js';
import { LIST_CHECKS, listCheckDescriptions, listOperationChecks } from './checks/list-operations.js';
import { negativeCases, runNegativeCase } from './checks/negative.js';
import { POSITIVE_CHECKS, positiveChecks } from './checks/positive.js';
import { declaredHeaders, OPERATION_ID, requiredParameters, successStatus } from './spec-facts.js';
import { VERSION } from './version.js';

export type { CheckResult } from './checks/check.js';

/** Where and with what the suite runs. */
export interface ConformanceOptions {
  /** The server under test: `http://127.0.0.1:4010`, a staging gateway, `https://dds.cn-north-4.myhuaweicloud.com`. */
  baseUrl: string;
  projectId: string;
  /** An instance that exists, with `backupId` among its backups. */
  instanceId: string;
  /** A backup with at least one file. */
  backupId: string;
  /** Default: `credentialsFromEnvironment()` (HUAWEICLOUD_SDK_AK/SK(/SECURITY_TOKEN) or DDS_BACKUP_TOKEN). */
  credentials?: CredentialsProvider;
  /** Transport for every request, the links included (default: global fetch). The mock's `fetch` handler fits. */
  fetch?: FetchLike;
  /** Per-request timeout in ms (default 30000). */
  timeoutMs?: number;
  /** How far `link_expired_time` may be from Date + LINK_TTL_SECONDS, in seconds (default 60). */
  expiryToleranceSeconds?: number;
  /** Called as each check finishes. */
  onCheck?: (check: CheckResult) => void;
}

/** The suite's outcome: every check, in order. */
export interface ConformanceReport {
  /** True when every check passed. */
  ok: boolean;
  checks: CheckResult[];
}

/** A check the suite runs: its name and what it verifies. */
export interface CheckDescription {
  name: string;
  description: string;
}

type Path = operations[typeof OPERATION_ID]['parameters']['path'];
type Query = operations[typeof OPERATION_ID]['parameters']['query'];

/** Parameter values by the spec's names; the generated types keep the names in step with the spec. */
function parameterValues(options: ConformanceOptions): Record<string, string> {
  const values = {
    project_id: options.projectId,
    instance_id: options.instanceId,
    backup_id: options.backupId,
  } satisfies Path & Query;
  for (const p of requiredParameters()) {
    if (p.in === 'header' || p.in === 'cookie') continue;
    const value = (values as Record<string, string | undefined>)[p.name];
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`runConformance needs a value for the ${p.in} parameter ${p.name}`);
    }
  }
  return values;
}

/** Every check the suite runs against this spec, in order (names are stable: use them in CI filters). */
export function listChecks(): CheckDescription[] {
  const positive: Record<(typeof POSITIVE_CHECKS)[number], string> = {
    'positive.status': 'the call with every parameter answers the documented success status',
    'positive.headers': `the answer carries every header the spec declares (${declaredHeaders(successStatus()).join(', ')})`,
    'positive.body': 'the body is valid against the spec',
    'positive.link-expiry': `each link_expired_time parses and lies ${LINK_TTL_SECONDS} s (x-link-ttl-seconds) after the server's Date`,
    'positive.link-head': 'each download_link answers HEAD with 200 and a Content-Length',
    'positive.link-range': `each download_link answers \`Range: bytes=0-${RANGE_BYTES - 1}\` with 206 and the right length`,
    'positive.size': "each file's size (KB) agrees with its object's length within 1 KB",
  };
  return [
    ...POSITIVE_CHECKS.map((name) => ({ name, description: positive[name] })),
    ...negativeCases().map((c) => ({
      name: c.name,
      description: `${c.description}: ${c.expected.status} ${c.expected.codes.join(' or ')}`,
    })),
    ...LIST_CHECKS.map((name) => ({ name, description: listCheckDescriptions()[name] })),
  ];
}

/**
 * Runs the conformance suite against a server: the positive call and its links, then the
 * negative calls generated from the spec, then the list operations (ListBackups, ListInstances:
 * paging, filters, errors) against the same project, instance and backup. Never throws for a non-conforming server (see `ok` and
 * each check's `reason`); throws for bad options or missing credentials.
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  if (!URL.canParse(options.baseUrl)) throw new TypeError(`baseUrl "${options.baseUrl}" is not a URL`);
  const values = parameterValues(options);
  const credentials = options.credentials ?? credentialsFromEnvironment();
  const fetch: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const client = createClient({
    endpoint: options.baseUrl,
    projectId: options.projectId,
    credentials,
    fetch,
    timeoutMs,
    // A conformance run reports what the server answered first: a retry would hide a 429 or 5xx.
    retry: { attempts: 1 },
    userAgent: `dds-backup-contract/${VERSION}`,
  });
  const ctx: SuiteContext = {
    op: getOperation(OPERATION_ID),
    baseUrl: options.baseUrl,
    values,
    client,
    fetch,
    timeoutMs,
    expiryToleranceSeconds: options.expiryToleranceSeconds ?? 60,
  };
  const checks: CheckResult[] = [];
  const record = (check: CheckResult) => {
    checks.push(check);
    options.onCheck?.(check);
  };
  for (const check of await positiveChecks(ctx)) record(check);
  for (const c of negativeCases()) record(await runNegativeCase(ctx, c));
  for (const check of await listOperationChecks(ctx)) record(check);
  return { ok: checks.every((c) => c.ok), checks };
}
