import CSFModelData

extension Model {
    /// The model compiled into the library (models/default-model.json, made
    /// by `make default-model`; docs/default-model.md says what it was
    /// trained on and where it is blind). Parsed once, on first use.
    public static let builtIn: Result<Model, SFError> = {
        var size = 0
        let p = sfc_default_model_data(&size)
        let bytes = [UInt8](UnsafeBufferPointer(start: p, count: size))
        return Result { () throws(SFError) in try Model.parse(bytes, limits: .default) }
            .mapError { SFError($0.status, "the built-in model is broken: \($0.message)") }
    }()

    /// The built-in model, or its error.
    public static func builtInModel() throws(SFError) -> Model { try builtIn.get() }
}
