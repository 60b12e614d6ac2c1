// The storage port of browser artifacts: screenshots and PDFs a browser session produced, kept out of the run tape.
import type { Owner } from '../auth/authorize.js';

export type ArtifactKind = 'screenshot' | 'pdf';

export interface ArtifactRecord extends Owner {
  artifactId: string;
  kind: ArtifactKind;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
  runId: string | null;
  chatSessionId: string | null;
  browserSessionId: string;
  createdAtMs: number;
}

export interface ArtifactStore {
  insert(record: ArtifactRecord, content: Buffer): void;
  get(artifactId: string): ArtifactRecord | undefined;
  content(artifactId: string): Buffer | undefined;
}
