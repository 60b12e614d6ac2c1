// The node's browser: the browser engine, launched on first use, launched again after Chromium is lost, closed with the host.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findChromium } from '../../browser/engine/chromium-path.js';
import { BrowserEngine } from '../../browser/engine/engine.js';
import { DEFAULT_ENGINE_LIMITS } from '../../browser/engine/limits.js';
import { CoreError } from '../../core/errors.js';
import { createLogger } from '../../infra/log.js';
import type { NodeBrowserConfig } from './node-config.js';

export class NodeBrowser {
  private engine: Promise<BrowserEngine> | null = null;
  private closed = false;

  constructor(
    private readonly config: NodeBrowserConfig,
    private readonly stateDir: string,
    /** `[browser] chromium`, else PALYRA_CHROMIUM, else chromium on PATH; undefined when none is found. */
    private readonly chromiumPath = findChromium(config.chromiumPath, process.env),
  ) {}

  /** Whether Chromium was found: `browser.*` is advertised as available only then. */
  get isAvailable(): boolean {
    return this.chromiumPath !== undefined;
  }

  /** The running engine (launched on the first call). @throws `unavailable` when Chromium cannot start or the host is stopping. */
  async get(): Promise<BrowserEngine> {
    if (this.closed) throw new CoreError('unavailable', 'the node host is stopping');
    if (!this.engine) {
      const launching = this.launch();
      this.engine = launching;
      launching.catch(() => {
        if (this.engine === launching) this.engine = null;
      });
    }
    return this.engine;
  }

  async close(): Promise<void> {
    this.closed = true;
    const engine = await this.engine?.catch(() => null);
    this.engine = null;
    await engine?.close();
  }

  private async launch(): Promise<BrowserEngine> {
    const chromiumPath = this.chromiumPath;
    if (!chromiumPath) throw new CoreError('failed_precondition', 'no Chromium on this node: set [browser] chromium in node.toml or install chromium');
    const downloadsDir = join(this.stateDir, 'browser-downloads');
    mkdirSync(downloadsDir, { recursive: true, mode: 0o700 });
    let engine: BrowserEngine;
    try {
      engine = await BrowserEngine.launch({
        chromiumPath,
        limits: { ...DEFAULT_ENGINE_LIMITS, maxSessions: this.config.maxSessions, maxSessionsPerPrincipal: this.config.maxSessionsPerPrincipal },
        access: { allowPrivateNetworks: false, allowedHosts: this.config.allowedHosts },
        allowSessionPrivateTargets: false,
        downloadsDir,
        // Engine logs go to stderr, away from the host's event lines on stdout.
        logger: createLogger({ level: 'warn', destination: process.stderr }).child({ component: 'node-browser' }),
      });
    } catch (error) {
      throw new CoreError('unavailable', `Chromium (${chromiumPath}) did not start: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`, { cause: error });
    }
    const current = Promise.resolve(engine);
    this.engine = current;
    // Sessions die with Chromium; the next call starts a new one.
    engine.onBrowserLost(() => {
      if (this.engine === current) this.engine = null;
    });
    return engine;
  }
}
