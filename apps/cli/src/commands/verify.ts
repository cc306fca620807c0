import type { CliContext } from "../context.js"; export async function run(_a: string[], _c: CliContext): Promise<number> { return 1; }
