// Headless Chromium for the browser test and benchmark: the system's Chromium (Debian's package, or
// CHROMIUM_PATH) driven by playwright-core, which never downloads a browser of its own.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const NO_CHROMIUM = "skipped: no Chromium installed (apt-get install chromium)";

/** The Chromium to use, or null when there is none. */
export function chromiumPath() {
  const p = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  return existsSync(p) ? p : null;
}

// Without the background-networking flags Chromium keeps dialling Google's hosts, which a closed network
// refuses; --no-sandbox because CI runs as root.
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];

/** Launches Chromium with a fresh profile; close() ends it and removes the profile. */
export async function launchChromium(extraArgs = []) {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(NO_CHROMIUM);
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "resezap-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: [...FLAGS, ...extraArgs], viewport: { width: 1000, height: 1000 } });
  return {
    context,
    async newPage() {
      const page = context.pages()[0] ?? (await context.newPage());
      return page;
    },
    async close() {
      // the profile goes even when closing fails; the failure itself is the caller's to see
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}
