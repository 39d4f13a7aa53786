package dev.mlapi.core.image;

import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.color.ICC_ProfileRGB;
import java.awt.color.ProfileDataException;

/**
 * Tells an embedded ICC profile that describes sRGB (whatever its maker and size: the 3 KB
 * {@code sRGB IEC61966-2.1} cameras embed, the 524-byte compact {@code c2}, …) from one that
 * needs a real conversion (Adobe RGB, Display P3, linear RGB, …): same primaries as sRGB within
 * {@link #MATRIX_TOLERANCE}, and tone curves within {@link #CURVE_TOLERANCE} of sRGB's.
 */
final class IccProfiles {

    /** Per entry of the D50 colorant matrix: Adobe RGB and Display P3 differ by more than 0.07. */
    static final double MATRIX_TOLERANCE = 0.003;
    /** In linear light, at any of 64 points: a 26-point sRGB table interpolates within 0.002. */
    static final double CURVE_TOLERANCE = 0.01;
    private static final float[][] SRGB_MATRIX = ((ICC_ProfileRGB) ICC_Profile.getInstance(ColorSpace.CS_sRGB)).getMatrix();

    private IccProfiles() {
    }

    /** Whether {@code profile} is sRGB, so the pixels need no conversion; false for anything it cannot read as such. */
    static boolean isSrgb(ICC_Profile profile) {
        if (!(profile instanceof ICC_ProfileRGB rgb) || profile.getColorSpaceType() != ColorSpace.TYPE_RGB) {
            return false;
        }
        try {
            float[][] matrix = rgb.getMatrix();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    if (Math.abs(matrix[i][j] - SRGB_MATRIX[i][j]) > MATRIX_TOLERANCE) {
                        return false;
                    }
                }
            }
            for (int component = 0; component < 3; component++) {
                if (!srgbCurve(rgb, component)) {
                    return false;
                }
            }
            return true;
        } catch (ProfileDataException | IllegalArgumentException e) {
            return false; // a parametric curve or a malformed tag: converted, not guessed
        }
    }

    private static boolean srgbCurve(ICC_ProfileRGB rgb, int component) {
        short[] table = null;
        float gamma = 0;
        try {
            table = rgb.getTRC(component);
        } catch (ProfileDataException notATable) {
            gamma = rgb.getGamma(component);
        }
        if (table != null && table.length < 2) {
            return false;
        }
        for (int i = 0; i <= 64; i++) {
            double x = i / 64.0;
            double y;
            if (table == null) {
                y = Math.pow(x, gamma);
            } else {
                double at = x * (table.length - 1);
                int k = Math.min((int) at, table.length - 2);
                double f = at - k;
                y = ((table[k] & 0xffff) * (1 - f) + (table[k + 1] & 0xffff) * f) / 65535.0;
            }
            if (Math.abs(y - srgbToLinear(x)) > CURVE_TOLERANCE) {
                return false;
            }
        }
        return true;
    }

    static double srgbToLinear(double v) {
        return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }
}
