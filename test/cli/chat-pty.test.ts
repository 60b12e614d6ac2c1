// `palyra chat` on a real pseudo-terminal: banner and prompt, streamed replies, inline approval, Ctrl-C and Ctrl-D.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_BIN, removeStateDir, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startPty } from '../helpers/pty.js';

const LONG_PROMPT = Array.from({ length: 60 }, (_, index) => `word${index}`).join(' ');

describe('palyra chat in a terminal', () => {
  let daemon: TestDaemon;
  let home: string;

  before(async () => {
    // 40 ms per token: a long reply takes seconds, long enough to interrupt it.
    daemon = await startDaemon({ env: { PALYRA_MODEL_TOKEN_DELAY_MS: '40', PALYRA_TOOLS_PROCESS_ALLOWED_COMMANDS: 'echo' } });
    home = mkdtempSync(join(tmpdir(), 'palyra-pty-'));
  });
  after(async () => {
    await daemon.stop();
    removeStateDir(daemon.stateDir);
    rmSync(home, { recursive: true, force: true });
  });

  function chat() {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PALYRA_')));
    return startPty([process.execPath, CLI_BIN, '--url', daemon.ready.http, '--grpc', daemon.ready.grpc, '--token', daemon.adminToken, 'chat'], { ...env, XDG_CONFIG_HOME: home });
  }

  test('banner, prompt, a streamed reply; Ctrl-C cancels the running turn, the next line works, Ctrl-C at the prompt leaves with 0', async () => {
    const pty = chat();
    await pty.waitFor(/palyra chat — session [0-9A-Z]{26} on 127\.0\.0\.1:\d+\n.*Ctrl-D.*leaves/);
    await pty.waitFor(/> $/);
    pty.type('hello pty\r');
    await pty.waitFor(/You said: hello pty\n/);
    await pty.waitFor(/> $/);
    const mark = pty.screen().length;
    pty.type(`${LONG_PROMPT}\r`);
    await pty.waitFor(/You said: word0 word1/, { fromIndex: mark });
    pty.type('\x03');
    await pty.waitFor(/\^C cancelling the turn[^\n]*\n(.*\n)*run [0-9A-Z]{26} cancelled: cancelled by request \(\d+ tokens/, { fromIndex: mark });
    assert.doesNotMatch(pty.screen().slice(mark), /You said:[^\n]*word59/, 'the reply must stop when the turn is cancelled');
    await pty.waitFor(/> $/, { fromIndex: mark });
    const afterCancel = pty.screen().length;
    pty.type('still here\r');
    await pty.waitFor(/You said: still here\n/, { fromIndex: afterCancel });
    await pty.waitFor(/> $/, { fromIndex: afterCancel });
    pty.type('\x03');
    assert.equal(await pty.exited(), 0, pty.screen());
  });

  test('an approval is asked inline; "y" runs the tool and its result is shown', async () => {
    const pty = chat();
    await pty.waitFor(/> $/);
    pty.type('@tool palyra.process.run {"command":"echo","args":["from-pty"]}\r');
    await pty.waitFor(/→ palyra\.process\.run \{"command":"echo","args":\["from-pty"\]\}/);
    await pty.waitFor(/approve palyra\.process\.run .*\? \[y\]es \/ \[n\]o \/ \[s\]ession: $/);
    pty.type('y\r');
    await pty.waitFor(/← ok .*from-pty/);
    await pty.waitFor(/> $/);
    pty.type('\x04');
    assert.equal(await pty.exited(), 0, pty.screen());
    assert.match(pty.screen(), /run [0-9A-Z]{26} done \(\d+ tokens, 1 tool call, /);
  });
});
