package dev.lbuvault.device;

/**
 * The identity of a FAT filesystem as {@code blkid} and an fstab line see it. It matters because
 * the apkovl's fstab mounts the card by {@code UUID=} (the volume serial) or {@code LABEL=}; a
 * rebuilt card must carry the same ones for the next {@code lbu commit} to find its media.
 *
 * @param volumeId the volume serial as {@code 1A2B-3C4D}: uppercase hex, high word first
 * @param label the boot-sector label without trailing blanks, or null if none or {@code NO NAME}
 * @param fatType {@code FAT12}, {@code FAT16} or {@code FAT32}
 */
public record FatVolume(String volumeId, String label, String fatType) {}
