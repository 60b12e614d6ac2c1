// Names of the files palyrad keeps in its state directory, shared with the CLI (which must not load the daemon's modules).

/** The generated admin token (mode 0600). */
export const ADMIN_TOKEN_FILE = 'admin-token';
