package dev.mlapi.core.image;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.Unprocessable;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.SampleModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes untrusted image bytes with ImageIO, refusing decompression bombs before any pixel is
 * decoded and treating the decoder's warnings (e.g. a truncated JPEG) as errors.
 *
 * <p>First, before ImageIO reads anything, every size the container declares (TIFF strip and tile
 * byte counts, rows per strip, tile sides, field lengths; PNG chunk lengths; BMP header, palette
 * and image sizes; GIF logical screen) is checked against the file's length and the budgets
 * below ({@link DeclaredSizes}): readers allocate what a header declares.
 *
 * <p>Three bounds apply before a pixel is read: the declared pixels and sides, the declared
 * decoded size in bytes (width × height × bands × bits, so a small TIFF cannot declare 16 float
 * channels of 36 megapixels), and the sample layout (8- or 16-bit integer samples, at most 4
 * bands: what the models read). A large image is subsampled while it is decoded, so a 40 MP
 * upload materialises about {@link #DEFAULT_MAX_DECODED_PIXELS}, not 40 MP.
 *
 * <p>JPEG fast paths, each giving the same pixels as before (and as Pillow/libjpeg-turbo): an
 * embedded sRGB profile (most camera and phone photos) is dropped before ImageIO sees it, so the
 * reader does not run a colour conversion from sRGB to sRGB (5–13× the decode of the shared
 * photos); other profiles are converted to sRGB as before ({@link IccProfiles}). ImageIO outputs a progressive JPEG once
 * per scan (IDCT, upsampling and colour conversion of the whole image each time, 5–10 times);
 * without a profile to convert from, it is read as YCbCr samples and converted to RGB once
 * ({@link YCbCr}, libjpeg's arithmetic), 1.6–2.2× faster (BENCHMARKS.md, "Image decoding").
 */
public final class ImageDecoder {

    /** 40 megapixels: about 120 MB once decoded, well inside a 2 GB function. */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
    public static final int DEFAULT_MAX_SIDE = 10_000;
    /** What the declared samples may take decoded: 40 MP of 8-bit RGBA. */
    public static final long DEFAULT_MAX_DECODED_BYTES = DEFAULT_MAX_PIXELS * 4;
    /** Larger images are decoded subsampled down to about this many pixels (4 MP). */
    public static final long DEFAULT_MAX_DECODED_PIXELS = 4_000_000L;
    /** Subsampling keeps at least this many pixels on the shorter side: models resize to far less. */
    public static final int MIN_SUBSAMPLED_SIDE = 1024;
    private static final int MAX_BANDS = 4;

    static {
        // Decode in memory: ImageIO's default disk cache would write to java.io.tmpdir per image.
        ImageIO.setUseCache(false);
    }

    private final long maxPixels;
    private final int maxSide;
    private final DeclaredSizes declaredSizes;

    public ImageDecoder(long maxPixels, int maxSide) {
        this.maxPixels = maxPixels;
        this.maxSide = maxSide;
        this.declaredSizes = new DeclaredSizes(this);
    }

    public static ImageDecoder withDefaultLimits() {
        return new ImageDecoder(DEFAULT_MAX_PIXELS, DEFAULT_MAX_SIDE);
    }

    /**
     * The decoded first frame of {@code bytes}: 400 when empty, 413 when its header declares more
     * pixels than the limits, 422 when it is not a supported image, is truncated or corrupt, or
     * declares sizes its file cannot hold.
     */
    public DecodedImage decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidInput("the image is empty (0 bytes)");
        }
        declaredSizes.check(bytes);
        byte[] input = bytes;
        boolean rawYCbCr = false;
        if (JpegHeaders.isJpeg(bytes)) {
            JpegHeaders headers = JpegHeaders.read(bytes);
            boolean keepsProfile = keepsProfile(headers);
            if (!keepsProfile) {
                input = headers.withoutIcc(bytes);
            }
            rawYCbCr = headers.progressive() && headers.ycbcr() && !keepsProfile;
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(input))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new Unprocessable("the data is not an image in a supported format (JPEG, PNG, GIF, BMP, TIFF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                checkDimensions(width, height);
                checkLayout(width, height, reader.getRawImageType(0));
                ImageReadParam param = reader.getDefaultReadParam();
                int step = subsampling(width, height);
                if (step > 1) {
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage pixels = rawYCbCr ? YCbCr.toRgb(reader.readRaster(0, param)) : reader.read(0, param);
                if (!warnings.isEmpty()) {
                    throw new Unprocessable("the image is truncated or corrupt: " + warnings.get(0));
                }
                return new DecodedImage(pixels, reader.getFormatName().toLowerCase(Locale.ROOT), bytes.length,
                        width, height);
            } finally {
                reader.dispose();
            }
        } catch (ApiException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO reports corrupt data as IIOException, but also as IndexOutOfBounds, IllegalState…
            throw new Unprocessable("the image could not be decoded (truncated, corrupt or an unsupported variant): "
                    + describe(e), e);
        }
    }

    /** Whether {@code bytes} start as a JPEG does (SOI, then a marker). */
    public static boolean isJpeg(byte[] bytes) {
        return bytes != null && JpegHeaders.isJpeg(bytes);
    }

    /**
     * The ICC profile the JPEG {@code bytes} embed when its pixels are to be converted from it to
     * sRGB (readable and not sRGB, see {@link IccProfiles}), as {@link #decode} converts them;
     * empty for no profile, sRGB, an unreadable profile, or not a JPEG.
     */
    public static Optional<ICC_Profile> jpegProfileToConvert(byte[] bytes) {
        if (!isJpeg(bytes)) {
            return Optional.empty();
        }
        JpegHeaders headers = JpegHeaders.read(bytes);
        return keepsProfile(headers) ? headers.icc().map(ICC_Profile::getInstance) : Optional.empty();
    }

    private static boolean keepsProfile(JpegHeaders headers) {
        return !headers.iccSegments().isEmpty() && !headers.icc().map(ImageDecoder::needsNoConversion).orElse(true);
    }

    /**
     * Whether a JPEG's embedded profile can be dropped before decoding: sRGB (what the pixels are
     * taken to be without a profile, and what Pillow, which ignores profiles, feeds the reference
     * models), or not a profile ImageIO could read (it would drop it with a warning). Any other
     * profile stays, and ImageIO converts the pixels from it to sRGB.
     */
    private static boolean needsNoConversion(byte[] icc) {
        ICC_Profile profile;
        try {
            profile = ICC_Profile.getInstance(icc);
        } catch (IllegalArgumentException e) {
            return true;
        }
        return IccProfiles.isSrgb(profile);
    }

    /** 422 when {@code width × height} declares no pixels, 413 when it is over this decoder's limits. */
    public void checkDimensions(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new Unprocessable("the image declares no pixels (" + width + "×" + height + ")");
        }
        if (width > maxSide || height > maxSide || (long) width * height > maxPixels) {
            throw new PayloadTooLarge("the image is " + width + "×" + height + " pixels; the limit is " + maxSide
                    + " pixels per side and " + maxPixels / 1_000_000 + " megapixels");
        }
    }

    /**
     * 413 when the declared samples would take more than {@link #DEFAULT_MAX_DECODED_BYTES}
     * decoded; 422 unless they are 8- or 16-bit integers in at most 4 bands. A reader that
     * cannot say its layout before decoding ({@code null}) is refused too.
     */
    private void checkLayout(int width, int height, ImageTypeSpecifier type) {
        if (type == null) {
            throw new Unprocessable("the image's sample layout cannot be determined before decoding");
        }
        SampleModel samples = type.getSampleModel();
        int bands = samples.getNumBands();
        long bitsPerPixel = 0;
        for (int bits : samples.getSampleSize()) {
            bitsPerPixel += bits;
        }
        checkDecodedBytes(width, height, bands, bitsPerPixel);
        int dataType = samples.getDataType();
        boolean integerSamples = dataType == DataBuffer.TYPE_BYTE || dataType == DataBuffer.TYPE_USHORT
                || dataType == DataBuffer.TYPE_INT;
        boolean supportedBits = true;
        for (int bits : samples.getSampleSize()) {
            supportedBits &= bits <= 8 || bits == 16;
        }
        if (bands > MAX_BANDS || !integerSamples || !supportedBits) {
            throw new Unprocessable("the image has " + bands + " bands of " + describeSamples(samples)
                    + "; supported are 8- or 16-bit integer samples in at most " + MAX_BANDS + " bands");
        }
    }

    /** 413 when {@code width × height} pixels of {@code bitsPerPixel} would take more than the decoded-bytes budget. */
    void checkDecodedBytes(int width, int height, int bands, long bitsPerPixel) {
        long decodedBytes = (long) width * height * Math.max(bitsPerPixel, 8) / 8;
        if (decodedBytes > maxDecodedBytes()) {
            throw new PayloadTooLarge("the image declares " + width + "×" + height + " pixels of " + bands
                    + " bands (" + bitsPerPixel + " bits per pixel), " + decodedBytes / 1_000_000
                    + " MB decoded; the limit is " + maxDecodedBytes() / 1_000_000 + " MB");
        }
    }

    long maxDecodedBytes() {
        return Math.min(DEFAULT_MAX_DECODED_BYTES, maxPixels * 4);
    }

    /** The smallest subsampling step that brings the image near {@link #DEFAULT_MAX_DECODED_PIXELS}, keeping the shorter side ≥ {@link #MIN_SUBSAMPLED_SIDE}. */
    public static int subsampling(int width, int height) {
        int step = 1;
        while ((long) width * height / ((long) step * step) > DEFAULT_MAX_DECODED_PIXELS
                && Math.min(width, height) / (step + 1) >= MIN_SUBSAMPLED_SIDE) {
            step++;
        }
        return step;
    }

    private static String describeSamples(SampleModel samples) {
        String type = switch (samples.getDataType()) {
            case DataBuffer.TYPE_FLOAT -> "float";
            case DataBuffer.TYPE_DOUBLE -> "double";
            default -> "integer";
        };
        return samples.getSampleSize(0) + "-bit " + type + " samples";
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
