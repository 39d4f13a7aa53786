package dev.mlapi.classify.image;

import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import dev.mlapi.classify.image.TurboJpeg.Api;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.core.image.DecodedImage;
import dev.mlapi.core.image.ImageDecoder;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.ColorConvertOp;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.Optional;

/**
 * Classify's decoder: a JPEG is decoded by libjpeg-turbo ({@link TurboJpeg}) at the smallest DCT
 * scale (1/8, 1/4, 1/2 or 1/1) that still covers the model's resize, exactly as Pillow's
 * {@code Image.draft("RGB", (resize, resize))} does, so the pixels are Pillow's draft pixels;
 * anything else goes through core's {@link ImageDecoder} at full size, as before.
 *
 * <p>An embedded sRGB profile (or none) means no conversion, as in {@link ImageDecoder}; any other
 * RGB profile is converted to sRGB after decoding (at the scaled size), as ImageIO converts it.
 *
 * <p>The TurboJPEG path reads the header first and applies {@link ImageDecoder}'s limits to the
 * declared size before any pixel is decoded (413), bounds a progressive JPEG's scans
 * ({@code TJFLAG_LIMITSCANS}: more than 500 is refused, 422), and treats libjpeg's warnings
 * (a truncated or corrupt file) as errors (422), as {@link ImageDecoder} does. It steps aside for
 * {@link ImageDecoder} (whose answer, pixels or 4xx, is then today's) when: the library is not
 * loaded (another OS or architecture), the JPEG is CMYK or YCCK (or embeds a profile that is not
 * an RGB one), TurboJPEG refuses the header or fails fatally, or
 * the scaled image would still be larger than {@link ImageDecoder#DEFAULT_MAX_DECODED_PIXELS}
 * (ImageIO subsamples those while decoding).
 */
public final class ScaledImageDecoder {

    private final ImageDecoder fallback;
    private final int extraFlags;

    public ScaledImageDecoder(ImageDecoder fallback) {
        this(fallback, 0);
    }

    /** With TurboJPEG flags added to every decode (tests: {@code TJFLAG_FASTDCT} against Pillow). */
    ScaledImageDecoder(ImageDecoder fallback, int extraFlags) {
        this.fallback = fallback;
        this.extraFlags = extraFlags;
        TurboJpeg.available(); // loads the library now (at init, before a snapshot), not on the first request
    }

    public static ScaledImageDecoder withDefaultLimits() {
        return new ScaledImageDecoder(ImageDecoder.withDefaultLimits());
    }

    /** Whether JPEGs are decoded by libjpeg-turbo here (false: the library could not load on this platform). */
    public static boolean nativeJpeg() {
        return TurboJpeg.available();
    }

    /**
     * A decoded image.
     *
     * @param pixels the decoded pixels, at 1/{@code scale} of the declared size (rounded up), or
     *               subsampled by {@link ImageDecoder} for a very large non-JPEG
     * @param format the codec that read it, lower-case ({@code jpeg}, {@code png}, …)
     * @param bytes  the size of the encoded image
     * @param width  the width the image declares
     * @param height the height the image declares
     * @param scale  the JPEG DCT scale's denominator (1, 2, 4 or 8); 1 for ImageIO's decodes
     */
    public record Decoded(RgbImage pixels, String format, int bytes, int width, int height, int scale) {
    }

    /**
     * The image in {@code bytes}, decoded no smaller than {@code shorterSide} on its shorter side
     * unless it is smaller than that itself ({@code shorterSide} ≤ 0: full size). 400 when empty,
     * 413 over the limits, 422 when not a supported image, truncated or corrupt.
     */
    public Decoded decode(byte[] bytes, int shorterSide) {
        if (bytes != null && bytes.length > 0 && TurboJpeg.available() && ImageDecoder.isJpeg(bytes)) {
            Optional<ICC_Profile> profile = ImageDecoder.jpegProfileToConvert(bytes);
            if (profile.isEmpty() || profile.get().getColorSpaceType() == ColorSpace.TYPE_RGB) {
                Decoded decoded = turbo(bytes, shorterSide, profile);
                if (decoded != null) {
                    return decoded;
                }
            }
        }
        DecodedImage image = fallback.decode(bytes);
        return new Decoded(RgbImage.of(image.pixels()), image.format(), image.bytes(), image.width(), image.height(), 1);
    }

    /**
     * {@code rgb} converted from {@code profile} to sRGB with {@link ColorConvertOp} (LittleCMS), as
     * ImageIO's JPEG reader converts each line of such a JPEG: the same pixels, in one call.
     */
    static byte[] toSrgb(byte[] rgb, int width, int height, ICC_Profile profile) {
        byte[] converted = new byte[rgb.length];
        int[] bands = {0, 1, 2};
        WritableRaster source = Raster.createInterleavedRaster(new DataBufferByte(rgb, rgb.length), width, height,
                width * 3, 3, bands, null);
        WritableRaster target = Raster.createInterleavedRaster(new DataBufferByte(converted, converted.length), width,
                height, width * 3, 3, bands, null);
        new ColorConvertOp(new ICC_ColorSpace(profile), ColorSpace.getInstance(ColorSpace.CS_sRGB), null)
                .filter(source, target);
        return converted;
    }

    /**
     * Pillow's draft scale (JpegImagePlugin.draft): the largest of 8, 4, 2, 1 not above
     * {@code min(width / shorterSide, height / shorterSide)} (integer division), so the scaled
     * shorter side, {@code ceil(side / scale)}, stays ≥ {@code shorterSide}.
     */
    static int scale(int width, int height, int shorterSide) {
        if (shorterSide <= 0) {
            return 1;
        }
        int most = Math.min(width / shorterSide, height / shorterSide);
        for (int scale : new int[] {8, 4, 2}) {
            if (most >= scale) {
                return scale;
            }
        }
        return 1;
    }

    /**
     * The TurboJPEG decode, converted from {@code profile} to sRGB when there is one, or null to
     * leave the bytes to {@link ImageDecoder}.
     */
    private Decoded turbo(byte[] bytes, int shorterSide, Optional<ICC_Profile> profile) {
        Pointer handle = Api.tjInitDecompress();
        if (handle == null) {
            return null;
        }
        try (Memory jpeg = new Memory(bytes.length); Memory header = new Memory(16)) {
            jpeg.write(0, bytes, 0, bytes.length);
            // JNA's Memory is not zeroed, and libjpeg-turbo 2.1's tjDecompressHeader3 can succeed without
            // writing the four outputs (a stream that ends before its frame header: "tables only"), so
            // unwritten outputs read as 0 and are refused below rather than read as whatever was there.
            header.clear();
            NativeLong size = new NativeLong(bytes.length);
            if (Api.tjDecompressHeader3(handle, jpeg, size, header, header.share(4), header.share(8), header.share(12)) != 0) {
                return null; // not a header TurboJPEG reads: ImageIO says what is wrong, or reads it
            }
            int width = header.getInt(0);
            int height = header.getInt(4);
            int subsampling = header.getInt(8);
            int colorspace = header.getInt(12);
            if (width < 1 || height < 1 || subsampling < 0) {
                return null; // no frame header read: ImageIO says what is wrong
            }
            if (colorspace != TurboJpeg.TJCS_YCBCR && colorspace != TurboJpeg.TJCS_GRAY
                    && colorspace != TurboJpeg.TJCS_RGB) {
                return null; // CMYK, YCCK: ImageIO's conversion, as before
            }
            if (profile.isPresent() && colorspace == TurboJpeg.TJCS_GRAY) {
                return null; // an RGB profile on grey samples: ImageIO decides, as before
            }
            fallback.checkDimensions(width, height);
            int scale = scale(width, height, shorterSide);
            int scaledWidth = (width + scale - 1) / scale;
            int scaledHeight = (height + scale - 1) / scale;
            if (ImageDecoder.subsampling(scaledWidth, scaledHeight) > 1) {
                return null; // ImageIO subsamples it while decoding, within the decoded-pixels budget
            }
            int length = scaledWidth * scaledHeight * 3;
            try (Memory out = new Memory(length)) {
                int status = Api.tjDecompress2(handle, jpeg, size, out, scaledWidth, scaledWidth * 3, scaledHeight,
                        TurboJpeg.TJPF_RGB, TurboJpeg.TJFLAG_LIMITSCANS | extraFlags);
                if (status != 0) {
                    Pointer text = Api.tjGetErrorStr2(handle);
                    String message = text == null ? "unknown error" : text.getString(0);
                    if (Api.tjGetErrorCode(handle) == TurboJpeg.TJERR_WARNING) {
                        // libjpeg warned (premature end of data, corrupt data…) and filled in: ImageDecoder refuses these too
                        throw new Unprocessable("the image is truncated or corrupt: " + message);
                    }
                    if (message.contains("more than 500 scans")) {
                        throw new Unprocessable("the image could not be decoded: " + message
                                + " (a progressive JPEG needs far fewer)");
                    }
                    return null; // a fatal error: ImageIO decodes it or reports it, as before
                }
                byte[] rgb = new byte[length];
                out.read(0, rgb, 0, length);
                if (profile.isPresent()) {
                    try {
                        rgb = toSrgb(rgb, scaledWidth, scaledHeight, profile.get());
                    } catch (RuntimeException e) {
                        return null; // LittleCMS refused the profile: ImageIO decodes it or reports it, as before
                    }
                }
                return new Decoded(RgbImage.packed(rgb, scaledWidth, scaledHeight), "jpeg", bytes.length, width, height,
                        scale);
            }
        } finally {
            Api.tjDestroy(handle);
        }
    }
}
