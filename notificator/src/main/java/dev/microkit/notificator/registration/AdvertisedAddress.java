package dev.microkit.notificator.registration;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.Optional;

/** Where clients should dial this instance: a host that other machines (containers, pods) can reach. */
final class AdvertisedAddress {

    static final String LOOPBACK = "127.0.0.1";

    private AdvertisedAddress() {
    }

    /** The first IPv4 address of an interface that is up and not loopback, as the system lists them. */
    static Optional<String> firstNonLoopbackIpv4() {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                        return Optional.of(address.getHostAddress());
                    }
                }
            }
        } catch (SocketException e) {
            // no interfaces to list: the caller falls back to loopback
        }
        return Optional.empty();
    }
}
