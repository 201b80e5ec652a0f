package dev.lbuvault.device;

/**
 * One reason {@link TargetSafety} refuses to overwrite a device, as a single line that names the
 * device and says what to do about it, so the CLI can print every refusal at once instead of making
 * the user fix them one run at a time.
 *
 * @param reason the line to show the user
 */
public record Refusal(String reason) {}
