package dev.mlapi.infra.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Small readers over a CloudFormation template held as maps and lists (SAM's or the synthesized one). */
public final class Cfn {

    private static final Pattern SUB_REFERENCE = Pattern.compile("\\$\\{([A-Za-z0-9]+)[.}]");

    private Cfn() {
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Object value) {
        return value instanceof List<?> l ? (List<Object>) l : value == null ? List.of() : List.of(value);
    }

    /** Follows a path of map keys; empty map when any step is missing. */
    public static Map<String, Object> at(Map<String, Object> root, String... keys) {
        Map<String, Object> current = root;
        for (String key : keys) {
            current = map(current.get(key));
        }
        return current;
    }

    public static Map<String, Object> resources(Map<String, Object> template) {
        return map(template.get("Resources"));
    }

    /** Logical id → properties of every resource of that type, in template order. */
    public static Map<String, Map<String, Object>> resourcesOfType(Map<String, Object> template, String type) {
        Map<String, Map<String, Object>> found = new LinkedHashMap<>();
        resources(template).forEach((id, resource) -> {
            if (type.equals(map(resource).get("Type"))) {
                found.put(id, map(map(resource).get("Properties")));
            }
        });
        return found;
    }

    /** The logical ids an expression points at through {@code Ref} or {@code Fn::GetAtt}, anywhere inside it. */
    public static Set<String> referencedIds(Object expression) {
        Set<String> ids = new LinkedHashSet<>();
        collectReferences(expression, ids);
        return ids;
    }

    private static void collectReferences(Object expression, Set<String> ids) {
        if (expression instanceof Map<?, ?> m) {
            if (m.get("Ref") instanceof String ref && !ref.startsWith("AWS::")) {
                ids.add(ref);
            }
            if (m.containsKey("Fn::GetAtt")) {
                Object target = list(m.get("Fn::GetAtt")).get(0);
                if (target instanceof String id) {
                    ids.add(id);
                }
            }
            if (m.get("Fn::Sub") instanceof String sub) {
                var matcher = SUB_REFERENCE.matcher(sub);
                while (matcher.find()) {
                    ids.add(matcher.group(1));
                }
            }
            m.values().forEach(value -> collectReferences(value, ids));
        } else if (expression instanceof List<?> l) {
            l.forEach(value -> collectReferences(value, ids));
        }
    }

    /** The one logical id an expression references, e.g. {@code !Ref UsersTable}. */
    public static Optional<String> singleReference(Object expression) {
        Set<String> ids = referencedIds(expression);
        return ids.size() == 1 ? Optional.of(ids.iterator().next()) : Optional.empty();
    }

    /** Every string inside an expression, flattened: for text searches in dashboards and joins. */
    public static String flatten(Object expression) {
        List<String> parts = new ArrayList<>();
        flattenInto(expression, parts);
        return String.join("", parts);
    }

    private static void flattenInto(Object expression, List<String> parts) {
        if (expression instanceof Map<?, ?> m) {
            m.values().forEach(value -> flattenInto(value, parts));
        } else if (expression instanceof List<?> l) {
            l.forEach(value -> flattenInto(value, parts));
        } else if (expression != null) {
            parts.add(String.valueOf(expression));
        }
    }
}
