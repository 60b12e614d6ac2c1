// Who holds a port, on Linux: the listening (TCP) or bound (UDP) socket in /proc/net, then the process with that socket open.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export type Protocol = 'tcp' | 'udp';

export interface PortHolder {
  /** Visible only when the process belongs to this user (or we are root). */
  pid?: number;
  command?: string;
  /** The uid that owns the socket, from /proc/net. */
  uid: number;
}

const TCP_LISTEN = '0A';
// A bound, unconnected UDP socket shows the TCP_CLOSE state number.
const UDP_BOUND = '07';

/** Socket inodes (with their owner uid) bound to `port` in /proc/net/<protocol>{,6}. */
function socketInodes(protocol: Protocol, port: number): Map<string, number> {
  const wantedState = protocol === 'tcp' ? TCP_LISTEN : UDP_BOUND;
  const inodes = new Map<string, number>();
  for (const file of [`/proc/net/${protocol}`, `/proc/net/${protocol}6`]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      if (!local || !inode || fields[3] !== wantedState || inode === '0') continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.set(inode, Number(fields[7]));
    }
  }
  return inodes;
}

function commandLine(pid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The process holding `port`: undefined when /proc/net shows no such socket (not Linux, or nothing
 * there); a holder without pid when the socket's process is not ours to see.
 */
export function findPortHolder(protocol: Protocol, port: number): PortHolder | undefined {
  const inodes = socketInodes(protocol, port);
  if (inodes.size === 0) return undefined;
  const links = new Set([...inodes.keys()].map((inode) => `socket:[${inode}]`));
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!links.has(link)) continue;
      const inode = link.slice('socket:['.length, -1);
      const command = commandLine(pid);
      return { pid: Number(pid), uid: inodes.get(inode) ?? -1, ...(command ? { command } : {}) };
    }
  }
  return { uid: [...inodes.values()][0] ?? -1 };
}
