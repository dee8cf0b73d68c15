/**
 * Tree-sitter query for Java (tree-sitter-wasms 0.1.13). Records count as classes and annotation
 * types as interfaces; `static final` fields are constants.
 */

/** Java definitions. Earlier patterns win. */
export const JAVA_QUERY = String.raw`
(class_declaration name: (identifier) @name) @definition.class
(record_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(annotation_type_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(method_declaration name: (identifier) @name) @definition.method
(constructor_declaration name: (identifier) @name) @definition.method
(annotation_type_element_declaration name: (identifier) @name) @definition.method
(field_declaration (modifiers) @_modifiers declarator: (variable_declarator name: (identifier) @name) (#match? @_modifiers "static") (#match? @_modifiers "final")) @definition.constant
(constant_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.constant
(field_declaration declarator: (variable_declarator name: (identifier) @name)) @definition.field
`;
