/**
 * apt-get's command line for `args`, waiting up to five minutes for the dpkg lock when another apt holds it (a
 * fresh machine's own updates, an install in another shell) instead of failing at once. Every apt-get the
 * harness and the test runner start goes through here.
 */
export const aptGet = (...args: string[]): string[] => ["-o", "DPkg::Lock::Timeout=300", ...args];
