import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Where a running `npm run demo` (without `--once`) is, written to `<DEMO_DATA_DIR>/stack.json`
 * while it runs and removed on Ctrl-C: base URLs of its apps and what `npm run smoke` needs for a
 * slash-command round trip through the Discord sandbox's control API (`/_sandbox`). Holds no
 * secret (the file is still written with mode 0600).
 */
export const demoStackFileSchema = z.object({
  pid: z.number().int(),
  controller: z.string().url(),
  runner: z.string().url(),
  dashboard: z.string().url(),
  funhub: z.string().url(),
  sandbox: z.object({
    /** Base URL of the sandbox's control API (`…/_sandbox`). */
    control: z.string().url(),
    applicationId: z.string(),
    guildId: z.string(),
    channelId: z.string(),
    userId: z.string(),
  }),
});

/** Contents of the demo's stack file. */
export type DemoStackFile = z.infer<typeof demoStackFileSchema>;

/** Absolute path of the stack file under `dataDir`. */
export function demoStackFile(dataDir: string): string {
  return resolve(dataDir, 'stack.json');
}
