/**
 * Cryptography, and the only package that uses BouncyCastle: decrypting the {@code openssl enc}
 * files that lbu writes when {@code ENCRYPTION} is set, and reading the password file that unlocks
 * them. Everything it returns is a JDK type or one of its own, so BouncyCastle stays behind this
 * package's boundary. Passwords are bytes that never leave this package in a string.
 */
package dev.lbuvault.crypto;
