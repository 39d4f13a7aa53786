package dev.mlapi.local;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * The functions and routes of the SAM {@code template.yaml}: the local server's route table, so
 * that what runs locally is what deploys. CloudFormation short tags ({@code !Ref}, {@code !Sub},
 * {@code !GetAtt}…) are read as plain values.
 */
public record SamTemplate(Map<String, Object> document, List<Function> functions) {

    /** One {@code AWS::Serverless::Function} with its HTTP API routes. */
    public record Function(String logicalId, String handlerClass, String handlerMethod, String codeUri,
            List<String> routeKeys) {

        /** The module name, e.g. {@code login} for {@code functions/login/target/login.jar}. */
        public String module() {
            String[] parts = codeUri.split("/");
            return parts.length > 1 ? parts[1] : codeUri;
        }
    }

    public static SamTemplate read(Path file) {
        try (Reader reader = Files.newBufferedReader(file)) {
            Map<String, Object> document = new Yaml(new CloudFormationConstructor()).load(reader);
            return new SamTemplate(document, functions(document));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Function> functions(Map<String, Object> document) {
        Map<String, Object> resources = (Map<String, Object>) document.get("Resources");
        List<Function> functions = new ArrayList<>();
        resources.forEach((id, value) -> {
            Map<String, Object> resource = (Map<String, Object>) value;
            if (!"AWS::Serverless::Function".equals(resource.get("Type"))) {
                return;
            }
            Map<String, Object> properties = (Map<String, Object>) resource.get("Properties");
            String[] handler = String.valueOf(properties.get("Handler")).split("::", 2);
            List<String> routes = new ArrayList<>();
            Map<String, Object> events = (Map<String, Object>) properties.getOrDefault("Events", Map.of());
            events.values().forEach(e -> {
                Map<String, Object> event = (Map<String, Object>) e;
                if ("HttpApi".equals(event.get("Type"))) {
                    Map<String, Object> p = (Map<String, Object>) event.get("Properties");
                    routes.add(String.valueOf(p.get("Method")).toUpperCase(Locale.ROOT) + " " + p.get("Path"));
                }
            });
            functions.add(new Function(id, handler[0], handler.length > 1 ? handler[1] : "handleRequest",
                    String.valueOf(properties.get("CodeUri")), List.copyOf(routes)));
        });
        return List.copyOf(functions);
    }

    /** Duplicate keys are an error: CloudFormation would silently keep one of them. */
    private static LoaderOptions strict() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return options;
    }

    /** Reads {@code !Ref X}, {@code !Sub "..."}, {@code !GetAtt A.B} and friends as their plain node value. */
    static final class CloudFormationConstructor extends SafeConstructor {
        CloudFormationConstructor() {
            super(strict());
            for (String tag : List.of("Ref", "Sub", "GetAtt", "Join", "Select", "Split", "If", "Equals", "Not",
                    "And", "Or", "FindInMap", "ImportValue", "Base64", "Cidr", "GetAZs", "Condition")) {
                yamlConstructors.put(new Tag("!" + tag), new PlainValue());
            }
        }

        private final class PlainValue extends AbstractConstruct {
            @Override
            public Object construct(Node node) {
                if (node instanceof ScalarNode scalar) {
                    return constructScalar(scalar);
                }
                if (node instanceof SequenceNode sequence) {
                    return constructSequence(sequence);
                }
                return constructMapping((MappingNode) node);
            }
        }
    }
}
