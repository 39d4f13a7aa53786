package dev.mlapi.catalog;

/** The value of one environment variable of a deployed function. */
public sealed interface EnvValue {

    /** A fixed string. */
    record Literal(String value) implements EnvValue {
    }

    /** A resource's name (a table's or bucket's name, a secret's ARN), resolved at deployment. */
    record ResourceName(Resource resource) implements EnvValue {
    }

    /** A choice made at deployment: a CDK context value or a SAM template parameter. */
    record Parameter(StackParameter parameter) implements EnvValue {
    }
}
