/**
 * Decides which backup versions a prune keeps, using restic's {@code forget} rules so that people
 * who already know restic get no surprises; see {@code docs/retention.md} for the worked examples.
 */
package dev.lbuvault.retention;
