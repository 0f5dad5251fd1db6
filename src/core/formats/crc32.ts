import { tableCrc } from './tableCrc';

/** CRC-32 (IEEE 802.3, zlib's `crc32`), as W&B's `.wandb` framing checks it. */
export const crc32 = tableCrc(0xedb88320);
