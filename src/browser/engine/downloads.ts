// The quarantine folder of one session: downloads stored under their artifact id with sha256 and size.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Download } from 'playwright-core';
import type { Logger } from 'pino';
import { newId } from '../../core/ids.js';

export interface DownloadArtifact {
  artifactId: string;
  fileName: string;
  sourceUrl: string;
  sizeBytes: number;
  sha256: string;
  quarantinePath: string;
  quarantineReason: string;
  createdAtMs: number;
}

const QUARANTINE_REASON = 'downloaded by a page; stored under its artifact id, never opened or executed by browserd';

/** The page's suggested name with path separators and control characters replaced, at most 200 characters. */
export function sanitiseFileName(name: string): string {
  const cleaned = name.replace(/[/\\\u0000-\u001f\u007f]/g, '_').replace(/^\.+/, '_').slice(0, 200);
  return cleaned === '' ? 'download' : cleaned;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class DownloadQuarantine {
  private readonly artifacts: DownloadArtifact[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly directory: string,
    private readonly logger: Logger,
  ) {}

  /** Stores a download the page started; a failed one is logged and left out. */
  accept(download: Download): void {
    const stored = this.store(download).catch((error: unknown) => this.logger.warn({ err: error }, 'download not stored'));
    this.pending.add(stored);
    void stored.finally(() => this.pending.delete(stored));
  }

  /** Every finished download, oldest first, after the ones in progress settle (at most `waitMs`). */
  async list(waitMs: number): Promise<DownloadArtifact[]> {
    if (this.pending.size > 0) {
      await Promise.race([Promise.allSettled([...this.pending]), new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
    }
    return [...this.artifacts];
  }

  /** Deletes the folder with every file in it. */
  async discard(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }

  private async store(download: Download): Promise<void> {
    const artifactId = newId();
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const path = join(this.directory, artifactId);
    await download.saveAs(path);
    const [info, sha256] = await Promise.all([stat(path), sha256Of(path)]);
    this.artifacts.push({
      artifactId,
      fileName: sanitiseFileName(download.suggestedFilename()),
      sourceUrl: download.url(),
      sizeBytes: info.size,
      sha256,
      quarantinePath: path,
      quarantineReason: QUARANTINE_REASON,
      createdAtMs: Date.now(),
    });
  }
}
