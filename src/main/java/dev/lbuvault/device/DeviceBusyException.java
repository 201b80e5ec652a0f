package dev.lbuvault.device;

import java.io.IOException;

/** An exclusive open failed with EBUSY: the device is mounted or claimed by another program. */
public final class DeviceBusyException extends IOException {
  private static final long serialVersionUID = 1L;

  public DeviceBusyException(String message) {
    super(message);
  }
}
