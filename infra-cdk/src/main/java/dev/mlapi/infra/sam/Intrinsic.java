package dev.mlapi.infra.sam;

/** A CloudFormation intrinsic in its short YAML form: {@code !Ref X}, {@code !GetAtt X.Arn}, {@code !Sub "…"}. */
record Intrinsic(String tag, String value) {

    static Intrinsic ref(String logicalId) {
        return new Intrinsic("!Ref", logicalId);
    }

    static Intrinsic getAtt(String logicalId, String attribute) {
        return new Intrinsic("!GetAtt", logicalId + "." + attribute);
    }

    static Intrinsic sub(String template) {
        return new Intrinsic("!Sub", template);
    }
}
