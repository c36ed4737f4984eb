"""A compound file (MS-CFB version 3, 512-byte sectors) holding named streams: the OLE container of vbaProject.bin."""

from __future__ import annotations

import math
import struct

SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
FREE, END, FAT_SECTOR, NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b""):
        self.name, self.kind, self.data = name, kind, data
        self.left = self.right = self.child = NONE
        self.color, self.start, self.size = BLACK, END if kind == STREAM else 0, len(data)
        self.children: list[int] = []

    def pack(self) -> bytes:
        name = self.name.encode("utf-16-le") + b"\0\0"
        return (name.ljust(64, b"\0") + struct.pack("<HBBIII", len(name), self.kind, self.color, self.left, self.right,
                                                    self.child)
                + bytes(16 + 4 + 16) + struct.pack("<IQ", self.start, self.size))


def _order(name: str) -> tuple[int, str]:
    return len(name), name.upper()  # MS-CFB: a shorter name sorts first, then by upper-case characters


def _link(entries: list[_Entry], parent: _Entry) -> None:
    """Give the parent's children a balanced red-black tree: a mid-split tree, its deepest level red."""
    ids = sorted(parent.children, key=lambda i: _order(entries[i].name))
    height = math.ceil(math.log2(len(ids) + 1)) if ids else 0

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return NONE
        mid = (lo + hi) // 2
        entry = entries[ids[mid]]
        entry.left, entry.right = build(lo, mid, depth + 1), build(mid + 1, hi, depth + 1)
        entry.color = RED if depth == height - 1 and depth > 0 else BLACK
        return ids[mid]

    parent.child = build(0, len(ids), 0)


def _chains(fat: list[int], first: int, count: int) -> int:
    """Chain `count` consecutive sectors from `first` in the (mini) FAT; the first sector, or END for none."""
    for i in range(count):
        fat.append(first + i + 1 if i < count - 1 else END)
    return first if count else END


def compound_file(streams: dict[str, bytes]) -> bytes:
    """The file for these streams, named "STORAGE/STREAM" or "STREAM" (one level of storages, as VBA needs)."""
    entries = [_Entry("Root Entry", ROOT)]
    storages: dict[str, int] = {}
    for path, data in streams.items():
        *folder, name = path.split("/")
        parent = 0
        if folder:
            if folder[0] not in storages:
                storages[folder[0]] = len(entries)
                entries[0].children.append(len(entries))
                entries.append(_Entry(folder[0], STORAGE))
            parent = storages[folder[0]]
        entries[parent].children.append(len(entries))
        entries.append(_Entry(name, STREAM, data))
    for entry in entries:
        if entry.kind != STREAM:
            _link(entries, entry)

    mini, minifat, big = bytearray(), [], []
    for entry in entries:
        if entry.kind == STREAM and entry.size < MINI_CUTOFF:
            entry.start = _chains(minifat, len(mini) // MINI_SECTOR, math.ceil(entry.size / MINI_SECTOR))
            mini += entry.data.ljust(math.ceil(entry.size / MINI_SECTOR) * MINI_SECTOR, b"\0")
        elif entry.kind == STREAM:
            big.append(entry)
    entries[0].size = len(mini)
    minifat += [FREE] * (-len(minifat) % (SECTOR // 4))

    counts = [math.ceil(len(entries) / 4), len(minifat) * 4 // SECTOR, math.ceil(len(mini) / SECTOR)]
    counts += [math.ceil(e.size / SECTOR) for e in big]
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < fat_sectors + sum(counts):
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("a compound file over 109 FAT sectors (about 7 MB) needs DIFAT sectors, not written here")
    fat = [FAT_SECTOR] * fat_sectors
    first_dir = _chains(fat, len(fat), counts[0])
    first_minifat = _chains(fat, len(fat), counts[1])
    entries[0].start = _chains(fat, len(fat), counts[2])
    for entry, count in zip(big, counts[3:]):
        entry.start = _chains(fat, len(fat), count)
    fat += [FREE] * (fat_sectors * (SECTOR // 4) - len(fat))
    unused = bytes(68) + struct.pack("<III", NONE, NONE, NONE) + bytes(48)
    directory = b"".join(e.pack() for e in entries) + unused * (-len(entries) % 4)

    header = (SIGNATURE + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, fat_sectors, first_dir, 0, MINI_CUTOFF, first_minifat,
                            counts[1], END, 0)
              + struct.pack("<109I", *range(fat_sectors), *[FREE] * (109 - fat_sectors)))
    body = (struct.pack(f"<{len(fat)}I", *fat) + directory + struct.pack(f"<{len(minifat)}I", *minifat)
            + bytes(mini).ljust(counts[2] * SECTOR, b"\0"))
    body += b"".join(e.data.ljust(c * SECTOR, b"\0") for e, c in zip(big, counts[3:]))
    return header + body
