// Names of the files palyrad keeps in its state directory, shared with the CLI (which must not load the daemon's modules).

/** The generated admin token (mode 0600). */
export const ADMIN_TOKEN_FILE = 'admin-token';

/** The canvas token signing key (mode 0600; replaced by a rotation). */
export const CANVAS_KEY_FILE = 'canvas-token-key';
