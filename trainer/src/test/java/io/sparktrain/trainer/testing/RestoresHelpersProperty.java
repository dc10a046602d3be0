package io.sparktrain.trainer.testing;

import io.sparktrain.trainer.model.NativeLayerOps;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** For tests that switch DL4J's layer helpers: puts the JVM-wide property back as it was. */
public final class RestoresHelpersProperty implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(RestoresHelpersProperty.class);
    private static final String ABSENT = "absent";

    @Override
    public void beforeEach(ExtensionContext context) {
        String before = System.getProperty(NativeLayerOps.DISABLE_PROPERTY);
        context.getStore(NAMESPACE).put(NativeLayerOps.DISABLE_PROPERTY, before == null ? ABSENT : before);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        String before = context.getStore(NAMESPACE).get(NativeLayerOps.DISABLE_PROPERTY, String.class);
        if (ABSENT.equals(before)) {
            System.clearProperty(NativeLayerOps.DISABLE_PROPERTY);
        } else {
            System.setProperty(NativeLayerOps.DISABLE_PROPERTY, before);
        }
    }
}
