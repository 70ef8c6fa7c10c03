// linux_dirent64 records for getdents64 (fs/readdir.c filldir64):
//   d_ino u64 @0, d_off i64 @8, d_reclen u16 @16, d_type u8 @18, d_name @19 NUL-terminated,
//   reclen = ALIGN(19 + namelen + 1, 8).

export interface DirEntry {
  name: string;
  ino: bigint;
  type: number;
}

const utf8 = new TextEncoder();

export function direntReclen(nameBytes: number): number {
  return (19 + nameBytes + 1 + 7) & ~7;
}

/**
 * Packs entries[from..] into buf; each record's d_off is the position of the
 * next entry. Returns the bytes written and the next position. Zero bytes
 * written with entries left means buf cannot hold the first one (-EINVAL).
 */
export function fillDirents(entries: DirEntry[], from: number, buf: Uint8Array): { bytes: number; next: number } {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = 0;
  let i = from;
  for (; i < entries.length; i++) {
    const name = utf8.encode(entries[i].name);
    const reclen = direntReclen(name.length);
    if (o + reclen > buf.length) break;
    buf.fill(0, o, o + reclen);
    dv.setBigUint64(o, BigInt.asUintN(64, entries[i].ino), true);
    dv.setBigInt64(o + 8, BigInt(i + 1), true);
    dv.setUint16(o + 16, reclen, true);
    dv.setUint8(o + 18, entries[i].type);
    buf.set(name, o + 19);
    o += reclen;
  }
  return { bytes: o, next: i };
}
