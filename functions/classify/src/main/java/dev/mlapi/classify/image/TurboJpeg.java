package dev.mlapi.classify.image;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libjpeg-turbo's TurboJPEG 2.1 API through JNA (direct mapping), from the library this jar
 * carries for linux-x86-64 ({@code turbojpeg/linux-x86-64/libturbojpeg.so}, Debian 12's
 * {@code libturbojpeg0} 2.1.5, see the {@code PROVENANCE.md} beside it).
 *
 * <p>Loaded once, when the class initialises (at init, so before a SnapStart snapshot): the library
 * is copied from the jar to a private temporary file (on Lambda only {@code /tmp} is writable),
 * opened, and the file deleted again (the mapping stays). JNA's own {@code libjnidispatch} (from
 * its jar) goes to {@code ~/.cache/JNA/temp}, or to {@code java.io.tmpdir} where that cannot be
 * written (Lambda), or to {@code -Djna.tmpdir}. Anywhere it cannot load (another OS or
 * architecture, e.g. a Mac running the local server) {@link #available()} is false, one line is
 * logged, and callers decode as before. Each decode opens and destroys its own handle, so calls are
 * thread-safe and nothing native outlives a call.
 */
final class TurboJpeg {

    private static final Logger LOG = LoggerFactory.getLogger(TurboJpeg.class);
    static final String RESOURCE = "turbojpeg/linux-x86-64/libturbojpeg.so";

    static final int TJPF_RGB = 0;
    static final int TJCS_RGB = 0;
    static final int TJCS_YCBCR = 1;
    static final int TJCS_GRAY = 2;
    static final int TJFLAG_FASTDCT = 2048;
    static final int TJFLAG_LIMITSCANS = 32768;
    static final int TJERR_WARNING = 0;

    private static final String UNAVAILABLE = load();

    private TurboJpeg() {
    }

    /** Whether the library loaded; when not, {@link #unavailableBecause()} says why. */
    static boolean available() {
        return UNAVAILABLE == null;
    }

    static String unavailableBecause() {
        return UNAVAILABLE;
    }

    /** The native functions, registered on this class once the library is open. */
    static final class Api {
        static native Pointer tjInitDecompress();

        static native int tjDecompressHeader3(Pointer handle, Pointer jpegBuf, NativeLong jpegSize, Pointer width,
                Pointer height, Pointer jpegSubsamp, Pointer jpegColorspace);

        static native Pointer tjGetScalingFactors(Pointer numScalingFactors);

        static native int tjDecompress2(Pointer handle, Pointer jpegBuf, NativeLong jpegSize, Pointer dstBuf, int width,
                int pitch, int height, int pixelFormat, int flags);

        static native Pointer tjGetErrorStr2(Pointer handle);

        static native int tjGetErrorCode(Pointer handle);

        static native int tjDestroy(Pointer handle);

        private Api() {
        }
    }

    /** Null when loaded, else the reason it did not. */
    private static String load() {
        String platform;
        try {
            platform = Platform.RESOURCE_PREFIX;
        } catch (Throwable e) {
            return log("JNA is unusable here (" + e + ")");
        }
        if (!"linux-x86-64".equals(platform)) {
            return log("no bundled libturbojpeg for " + platform + " (only linux-x86-64)");
        }
        Path file = null;
        try (InputStream in = TurboJpeg.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return log(RESOURCE + " is not on the class path");
            }
            file = Files.createTempFile("mlapi-turbojpeg-", ".so");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            Native.register(Api.class, NativeLibrary.getInstance(file.toAbsolutePath().toString()));
            Set<Integer> denominators = scalingDenominators();
            if (!denominators.containsAll(Set.of(1, 2, 4, 8))) {
                return log("libturbojpeg offers the scales 1/" + denominators + ", not 1/1, 1/2, 1/4 and 1/8");
            }
            LOG.info("TurboJPEG (libjpeg-turbo 2.1.5) loaded: JPEGs decode natively, DCT-scaled to the model's size");
            return null;
        } catch (Throwable e) {
            return log("libturbojpeg did not load (" + e + ")");
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file); // mapped already: the file is no longer needed
                } catch (IOException e) {
                    file.toFile().deleteOnExit();
                }
            }
        }
    }

    private static String log(String reason) {
        LOG.info("TurboJPEG unavailable, JPEGs decode through ImageIO: {}", reason);
        return reason;
    }

    /** The denominators {@code d} of the scaling factors {@code 1/d} the library offers. */
    private static Set<Integer> scalingDenominators() {
        Set<Integer> denominators = new HashSet<>();
        try (Memory count = new Memory(4)) {
            Pointer factors = Api.tjGetScalingFactors(count);
            if (factors == null) {
                return denominators;
            }
            for (int i = 0, n = count.getInt(0); i < n; i++) {
                int num = factors.getInt(8L * i);
                int denom = factors.getInt(8L * i + 4);
                if (num == 1) {
                    denominators.add(denom);
                } else if (num == denom) {
                    denominators.add(1);
                }
            }
        }
        return denominators;
    }
}
