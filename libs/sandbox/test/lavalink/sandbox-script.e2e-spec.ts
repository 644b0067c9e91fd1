import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

jest.setTimeout(40_000);

const REPO_ROOT = resolve(__dirname, '../../../..');

interface SandboxLine {
  discord: { api: string; gateway: string; control: string };
  lavalink: { url: string; password: string };
  tts: { url: string };
}

describe('npm run sandbox (scripts/sandbox.ts)', () => {
  let child: ChildProcessWithoutNullStreams | null = null;

  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = null;
  });

  it('prints one JSON line with every URL, serves them, and exits 0 on SIGTERM', async () => {
    const sut = spawn(process.execPath, ['-r', '@swc-node/register', 'scripts/sandbox.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SANDBOX_DISCORD_PORT: '0', SANDBOX_LAVALINK_PORT: '0', SANDBOX_TTS_PORT: '0' },
    });
    child = sut;
    const lines = createInterface({ input: sut.stdout });
    const [first] = (await once(lines, 'line')) as [string];
    const printed = JSON.parse(first) as SandboxLine;
    expect(printed).toEqual({
      discord: {
        api: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api$/),
        gateway: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/gateway$/),
        control: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/_sandbox$/),
      },
      lavalink: { url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), password: 'youshallnotpass' },
      tts: { url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) },
    });

    const version = await fetch(`${printed.lavalink.url}/version`, {
      headers: { Authorization: printed.lavalink.password },
    });
    expect(await version.text()).toBe('4.2.2+sandbox');
    expect((await fetch(`${printed.tts.url}/tts?text=hello`)).headers.get('content-type')).toBe('audio/wav');
    expect((await fetch(`${printed.discord.api}/v10/gateway`)).status).toBe(200);

    const exited = once(sut, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    sut.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    lines.close();
  });
});
