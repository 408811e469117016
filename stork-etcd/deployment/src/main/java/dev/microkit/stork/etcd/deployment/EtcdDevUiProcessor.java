package dev.microkit.stork.etcd.deployment;

import dev.microkit.stork.etcd.devui.EtcdDevUiRpc;
import io.quarkus.deployment.IsDevelopment;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.devui.spi.JsonRPCProvidersBuildItem;
import io.quarkus.devui.spi.page.CardPageBuildItem;
import io.quarkus.devui.spi.page.Page;

/**
 * The extension's Dev UI card (dev mode): a page with the registrations the application holds (key, lease, TTL), the
 * services it discovers and the instances it sees, the etcd it talks to and the last etcd failure
 * ({@code dev-ui/qwc-etcd-registry.js}, fed by {@link EtcdDevUiRpc}).
 */
class EtcdDevUiProcessor {

    @BuildStep(onlyIf = IsDevelopment.class)
    CardPageBuildItem card() {
        CardPageBuildItem card = new CardPageBuildItem();
        card.addPage(Page.webComponentPageBuilder()
                .title("Registry")
                .icon("font-awesome-solid:server")
                .componentLink("qwc-etcd-registry.js")
                .dynamicLabelJsonRPCMethodName("getLabel"));
        return card;
    }

    @BuildStep(onlyIf = IsDevelopment.class)
    JsonRPCProvidersBuildItem rpc() {
        return new JsonRPCProvidersBuildItem(EtcdDevUiRpc.class);
    }
}
