// The layers in this folder are [Model]s written in the DSL; shipping them lets experiments in other
// assemblies hold them as sub-models (the generator reads their declarations back from Dsl.Runtime).
[assembly: Dsl.ShipModels]
