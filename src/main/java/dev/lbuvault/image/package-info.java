/**
 * Builds and reads bootable Raspberry Pi card images without mkfs, mtools or root: an MBR ({@link
 * dev.lbuvault.image.Mbr}) with one FAT32 partition planned to the byte by {@link
 * dev.lbuvault.image.FatLayout} and streamed by {@link dev.lbuvault.image.FatWriter}, plus a
 * FAT12/16/32 reader ({@link dev.lbuvault.image.FatReader}) for inspecting cards. dosfstools and
 * mtools serve only as judges in the tests.
 */
package dev.lbuvault.image;
