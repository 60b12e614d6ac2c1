// Screenshots and PDF exports of a tab, refused when larger than their cap.
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { CoreError } from '../../core/errors.js';

export type ImageFormat = 'png' | 'jpeg';

export interface Capture {
  bytes: Buffer;
  mimeType: string;
}

/** @throws `invalid_argument` for another format. */
export function parseImageFormat(format: string): ImageFormat {
  const lower = format.toLowerCase();
  if (lower === '' || lower === 'png') return 'png';
  if (lower === 'jpeg' || lower === 'jpg') return 'jpeg';
  throw new CoreError('invalid_argument', `format must be png or jpeg, not ${JSON.stringify(format.slice(0, 20))}`);
}

function refuseOver(bytes: Buffer, maxBytes: number, what: string, field: string): void {
  if (bytes.length > maxBytes) {
    throw new CoreError('resource_exhausted', `${what} of ${bytes.length} bytes exceeds ${field} ${maxBytes}`, { details: { sizeBytes: bytes.length, limitBytes: maxBytes } });
  }
}

/** The visible viewport. @throws `resource_exhausted` when larger than `maxBytes`. */
export async function screenshotPage(page: Page, format: ImageFormat, maxBytes: number, timeoutMs: number): Promise<Capture> {
  const bytes = await page.screenshot({ type: format, timeout: timeoutMs, ...(format === 'jpeg' ? { quality: 80 } : {}) });
  refuseOver(bytes, maxBytes, 'screenshot', 'max_bytes');
  return { bytes, mimeType: `image/${format}` };
}

export interface PdfExport extends Capture {
  sha256: string;
}

/** The page printed as A4 with backgrounds. @throws `resource_exhausted` when larger than `maxBytes`. */
export async function exportPdf(page: Page, maxBytes: number): Promise<PdfExport> {
  const bytes = await page.pdf({ format: 'A4', printBackground: true });
  refuseOver(bytes, maxBytes, 'PDF', 'max_bytes');
  return { bytes, mimeType: 'application/pdf', sha256: createHash('sha256').update(bytes).digest('hex') };
}
