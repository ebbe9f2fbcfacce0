/**
 * Checks that run where a test runner does not (a browser page, Bun, Deno): each outcome is
 * recorded, never thrown, and the Node side asserts the list. Portable: no node: imports.
 */

/** One check of a module run elsewhere. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail?: string;
}

/** Runs a check and records its outcome instead of throwing (the host side asserts them all). */
export async function check(
  out: CheckResult[],
  name: string,
  fn: () => Promise<boolean | string>,
): Promise<void> {
  try {
    const r = await fn();
    out.push(r === true ? { name, ok: true } : { name, ok: false, detail: String(r) });
  } catch (e) {
    out.push({ name, ok: false, detail: `${(e as { code?: string }).code ?? ''} ${(e as Error).message}` });
  }
}
