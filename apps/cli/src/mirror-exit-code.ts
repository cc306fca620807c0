/**
 * The exit code of a whole mirror run, from the exit codes of its failed backups (each as
 * exitCodeOf() gives it) and whether a named instance was missing. In this order, as the CLI
 * reference documents: 3 if authentication failed anywhere (nothing else can work until that is
 * fixed), else 6 if any verification failed, else 1 if any other failure, else 4 if a named
 * instance does not exist, else 5 if any backup is incomplete but resumable, else 0.
 */
export function mirrorExitCode(failures: readonly number[], missingInstance: boolean): number {
  if (failures.includes(3)) return 3;
  if (failures.includes(6)) return 6;
  // A backup that vanished while it was mirrored (4) or anything unexpected counts as a failure.
  if (failures.some((c) => c !== 5 && c !== 0)) return 1;
  if (missingInstance) return 4;
  if (failures.includes(5)) return 5;
  return 0;
}
