package dev.mlapi.infra.support;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads a CloudFormation/SAM template written in YAML, turning the short intrinsic tags
 * ({@code !Ref}, {@code !GetAtt}, {@code !Sub}…) into their JSON form ({@code {"Ref": …}},
 * {@code {"Fn::GetAtt": [resource, attribute]}}…), as CloudFormation itself reads them.
 */
public final class CloudFormationYaml {

    private static final List<String> FUNCTIONS = List.of("And", "Base64", "Cidr", "Equals", "FindInMap", "GetAZs",
            "If", "ImportValue", "Join", "Not", "Or", "Select", "Split", "Sub", "Transform", "ToJsonString", "Length");

    private CloudFormationYaml() {
    }

    public static Map<String, Object> load(Path file) {
        try (Reader reader = Files.newBufferedReader(file)) {
            Map<String, Object> template = new Yaml(new IntrinsicConstructor(new LoaderOptions())).load(reader);
            if (template == null) {
                throw new IllegalArgumentException(file + " is empty");
            }
            return template;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** A template given as text (a generated one not written to disk). */
    public static Map<String, Object> loadString(String yaml) {
        Map<String, Object> template = new Yaml(new IntrinsicConstructor(new LoaderOptions())).load(yaml);
        if (template == null) {
            throw new IllegalArgumentException("the template is empty");
        }
        return template;
    }

    private static final class IntrinsicConstructor extends SafeConstructor {

        IntrinsicConstructor(LoaderOptions options) {
            super(options);
            yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
            yamlConstructors.put(new Tag("!Condition"), new Intrinsic("Condition"));
            yamlConstructors.put(new Tag("!GetAtt"), new GetAtt());
            FUNCTIONS.forEach(name -> yamlConstructors.put(new Tag("!" + name), new Intrinsic("Fn::" + name)));
        }

        private Object value(Node node) {
            if (node instanceof ScalarNode scalar) {
                return constructScalar(scalar);
            }
            if (node instanceof SequenceNode sequence) {
                return constructSequence(sequence);
            }
            return constructMapping((MappingNode) node);
        }

        private final class Intrinsic extends AbstractConstruct {
            private final String key;

            Intrinsic(String key) {
                this.key = key;
            }

            @Override
            public Object construct(Node node) {
                return Map.of(key, value(node));
            }
        }

        /** {@code !GetAtt Resource.Attribute} is the scalar form of {@code [Resource, Attribute]}. */
        private final class GetAtt extends AbstractConstruct {
            @Override
            public Object construct(Node node) {
                Object value = value(node);
                if (value instanceof String text) {
                    int dot = text.indexOf('.');
                    value = dot < 0 ? List.of(text) : Arrays.asList(text.substring(0, dot), text.substring(dot + 1));
                }
                return Map.of("Fn::GetAtt", value);
            }
        }
    }
}
